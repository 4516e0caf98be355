import { readFileSync } from 'node:fs';
import type { StacItem } from '../../src/entry.js';
import { manifestObjects } from '../../src/rclone/objects.js';

const ID = 'TC1S2B0_01_07496N087E3020';
const item: StacItem = JSON.parse(readFileSync(new URL(`../fixtures/usgs/stac/item_kaguya_tc_monoscopic_${ID}.json`, import.meta.url), 'utf8'));
const KEY = `moon/kaguya/terrain_camera/monoscopic/uncontrolled/${ID}`;
const withHref = (asset: string, href: string): StacItem => ({ ...item, assets: { ...item.assets, [asset]: { ...item.assets[asset], href } } });

describe('manifestObjects', () => {
  it('maps a real USGS image href to bucket, key and region', () => {
    expect(manifestObjects(item, { assets: ['image'] })).toEqual([
      { asset: 'image', href: item.assets.image.href, bucket: 'astrogeo-ard', key: `${KEY}/${ID}.tif`, region: 'us-west-2' },
    ]);
  });

  it('selects by roles too, in the item\'s asset order', () => {
    const roles = Object.fromEntries(Object.entries(item.assets).map(([k, a]) => [k, a.roles ?? []]));
    const byRole = Object.keys(item.assets).filter((k) => roles[k].includes('metadata') || k === 'image');
    expect(manifestObjects(item, { assets: ['image'], roles: ['metadata'] }).map((o) => o.asset)).toEqual(byRole);
    expect(byRole.length).toBeGreaterThan(1);
  });

  it('reads s3:// hrefs and decodes the key once', () => {
    expect(manifestObjects(withHref('image', 's3://astrogeo-ard/a%20b/c%2520d.tif'), { assets: ['image'] })[0]).toMatchObject({ bucket: 'astrogeo-ard', key: 'a b/c%20d.tif' });
  });

  it('fails the entry for a missing asset, naming the item\'s assets', () => {
    expect(() => manifestObjects(item, { assets: ['image', 'browse'] })).toThrow(
      expect.objectContaining({ code: 'ERR_RCLONE_NO_ASSET', message: expect.stringContaining('item has no asset browse (its assets: thumbnail, image,') }),
    );
  });

  it('fails the entry for an href that is not an S3 object', () => {
    const href = 'https://planetarymaps.usgs.gov/mosaic/x.tif';
    expect(() => manifestObjects(withHref('image', href), { assets: ['image'] })).toThrow(
      expect.objectContaining({ code: 'ERR_RCLONE_NOT_S3', href, message: expect.stringContaining('fetch it with the download step') }),
    );
  });

  it('fails the entry for a versioned href and for a key rclone would misread', () => {
    expect(() => manifestObjects(withHref('image', 's3://b/k.tif?versionId=3'), { assets: ['image'] })).toThrow(expect.objectContaining({ code: 'ERR_RCLONE_VERSION' }));
    expect(() => manifestObjects(withHref('image', 's3://b/%23k.tif'), { assets: ['image'] })).toThrow(
      expect.objectContaining({ code: 'ERR_RCLONE_KEY', message: expect.stringContaining('"#k.tif"') }),
    );
  });
});
