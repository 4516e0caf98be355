import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LabelCache } from '../../src/labels/cache.js';

const HREF = 'https://astrogeo-ard.s3-us-west-2.amazonaws.com/moon/kaguya/terrain_camera/monoscopic/uncontrolled/A/A.caminfo.pvl';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'stacflow-label-cache-'));

describe('LabelCache', () => {
  it('gives back what was put, by href, creating its folder', async () => {
    const cache = new LabelCache(path.join(await tempDir(), 'labels', 'nested'));
    await cache.put({ href: HREF, etag: '"abc"', text: 'Object = Caminfo\nEnd_Object\nEnd\n' });
    expect(await cache.get(HREF)).toEqual({ href: HREF, etag: '"abc"', text: 'Object = Caminfo\nEnd_Object\nEnd\n' });
    expect(await readdir(cache.dir)).toEqual([path.basename(cache.fileOf(HREF))]);
  });

  it('misses an href it never saw', async () => {
    const cache = new LabelCache(await tempDir());
    await cache.put({ href: HREF, etag: '"abc"', text: 'x' });
    expect(await cache.get(`${HREF}.other`)).toBeUndefined();
  });

  it('replaces an entry when the label changed', async () => {
    const cache = new LabelCache(await tempDir());
    await cache.put({ href: HREF, etag: '"v1"', text: 'one' });
    await cache.put({ href: HREF, etag: '"v2"', text: 'two' });
    expect(await cache.get(HREF)).toMatchObject({ etag: '"v2"', text: 'two' });
    expect((await readdir(cache.dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('treats an unreadable or foreign file as a miss, not an error', async () => {
    const cache = new LabelCache(await tempDir());
    await cache.put({ href: HREF, etag: '"abc"', text: 'x' });
    await writeFile(cache.fileOf(HREF), '{ half a file');
    expect(await cache.get(HREF)).toBeUndefined();
    await writeFile(cache.fileOf(HREF), JSON.stringify({ href: 'https://elsewhere/x.pvl', etag: '"abc"', text: 'x' }));
    expect(await cache.get(HREF)).toBeUndefined();
    await writeFile(cache.fileOf(HREF), JSON.stringify({ href: HREF, etag: '', text: 'x' }));
    expect(await cache.get(HREF)).toBeUndefined();
  });

  it('stores the text and the ETag as JSON, one file per href', async () => {
    const cache = new LabelCache(await tempDir());
    await cache.put({ href: HREF, etag: '"abc"', text: 'é\n' });
    expect(JSON.parse(await readFile(cache.fileOf(HREF), 'utf8'))).toEqual({ href: HREF, etag: '"abc"', text: 'é\n' });
    expect(path.basename(cache.fileOf(HREF))).toMatch(/^[0-9a-f]{64}\.json$/);
  });

  it('removes the temporary files of dead runs at its first write, keeps a live run\'s', async () => {
    const cache = new LabelCache(await tempDir());
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const live = process.ppid;
    const name = path.basename(cache.fileOf(HREF));
    await writeFile(path.join(await tempDirOf(cache), `${name}.tmp-${dead}-abc`), 'left by kill -9');
    await writeFile(path.join(cache.dir, `${name}.tmp-${live}-def`), 'being written');
    await cache.put({ href: `${HREF}.2`, etag: '"e"', text: 'y' });
    const left = (await readdir(cache.dir)).filter((f) => f.includes('.tmp-'));
    expect(left).toEqual([`${name}.tmp-${live}-def`]);
  });

  it('never writes through a link planted at a cache file', async () => {
    const cache = new LabelCache(await tempDir());
    const outside = path.join(await tempDir(), 'victim.txt');
    await writeFile(outside, 'precious');
    await tempDirOf(cache);
    await symlink(outside, cache.fileOf(HREF));
    await cache.put({ href: HREF, etag: '"abc"', text: 'x' });
    expect(await readFile(outside, 'utf8')).toBe('precious');
    expect(await cache.get(HREF)).toMatchObject({ text: 'x' });
  });
});

/** The cache's folder, made now (it is made on the first write otherwise). */
async function tempDirOf(cache: LabelCache): Promise<string> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(cache.dir, { recursive: true });
  return cache.dir;
}
