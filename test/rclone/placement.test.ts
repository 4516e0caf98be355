import { rcloneManifestOptions } from '../../operators/rclone-manifest.js';
import type { StacItem } from '../../src/entry.js';
import { destProblems, placer } from '../../src/rclone/placement.js';
import type { ManifestObject } from '../../src/rclone/objects.js';

// Where rclone copy puts each object for rclone_manifest's `dest`: a folder, or download's `to` template.
const KEY = 'moon/kaguya/terrain_camera/monoscopic/uncontrolled/TC1S2B0_01_07496N087E3020/TC1S2B0_01_07496N087E3020.tif';
const object: ManifestObject = { asset: 'image', href: `https://astrogeo-ard.s3-us-west-2.amazonaws.com/${KEY}`, bucket: 'astrogeo-ard', key: KEY };
const item = { id: 'TC1S2B0_01_07496N087E3020', collection: 'kaguya_terrain_camera_monoscopic_uncontrolled_observations' } as StacItem;

describe('placer', () => {
  it('puts every object at <dest>/<key> for a folder, the tutorial\'s layout', () => {
    expect(placer('data')(object, item)).toEqual({ source: '', dest: 'data', line: KEY });
  });

  it('copies from the bucket folder above the part the key shares with download\'s path: <ID>/<file> into data/<collection>', () => {
    expect(placer('data/{collection}/{id}/')(object, item)).toEqual({
      source: 'moon/kaguya/terrain_camera/monoscopic/uncontrolled',
      dest: 'data/kaguya_terrain_camera_monoscopic_uncontrolled_observations',
      line: 'TC1S2B0_01_07496N087E3020/TC1S2B0_01_07496N087E3020.tif',
    });
    // The same with /{filename} spelled out, and with an absolute folder.
    expect(placer('/srv/data/{collection}/{id}/{filename}')(object, item).dest).toBe('/srv/data/kaguya_terrain_camera_monoscopic_uncontrolled_observations');
  });

  it('shares only the file name when the key has no folder named like the item: one list per item then', () => {
    expect(placer('data/{collection}/{id}/')({ ...object, key: 'flat/x.tif' }, item)).toEqual({
      source: 'flat', dest: 'data/kaguya_terrain_camera_monoscopic_uncontrolled_observations/TC1S2B0_01_07496N087E3020', line: 'x.tif',
    });
  });

  it('copies into the working directory or / when the whole local path is the key\'s end', () => {
    expect(placer('{id}/')({ ...object, key: `a/${item.id}/f.tif` }, item)).toEqual({ source: 'a', dest: '.', line: `${item.id}/f.tif` });
    expect(placer('/{id}/')({ ...object, key: `${item.id}/f.tif` }, item)).toEqual({ source: '', dest: '/', line: `${item.id}/f.tif` });
  });

  it('refuses an id that would lead out of the folder, as download does (ERR_RCLONE_PATH, naming asset and href)', () => {
    expect(() => placer('data/{collection}/{id}/')(object, { ...item, id: '../../etc' })).toThrow(
      expect.objectContaining({ code: 'ERR_RCLONE_PATH', message: expect.stringMatching(/^asset image: no safe local path in `dest` \(data\/\{collection\}\/\{id\}\/\): .*'\.\.' segment/) }),
    );
  });
});

describe('dest in the options', () => {
  it('takes a folder or a template ending in / or /{filename}', () => {
    for (const dest of ['data', 'my data/x', 'data/{collection}/{id}/', 'data/{id}/{filename}', 'data/{asset}/']) {
      expect(destProblems(dest)).toEqual([]);
      expect(rcloneManifestOptions.parse({ assets: ['image'], path: 'out/m.txt', dest }).dest).toBe(dest);
    }
  });

  it('refuses a template that renames files, or names an unknown placeholder, with the reason', () => {
    expect(destProblems('data/{id}.tif')).toEqual([expect.stringContaining('must end with / or /{filename}: rclone copy keeps each file\'s name')]);
    expect(destProblems('data/{id}/x_{filename}')).toHaveLength(1);
    expect(destProblems('data/{key}/')).toEqual([expect.stringContaining('unknown placeholder {key} in `dest`')]);
    expect(rcloneManifestOptions.safeParse({ assets: ['image'], path: 'out/m.txt', dest: 'data/{id}.tif' }).success).toBe(false);
  });
});
