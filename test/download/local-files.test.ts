import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StacItem } from '../../src/entry.js';
import { makeTargetFolder, openPart, readLocalState } from '../../src/download/local-files.js';
import { sidecarPath, sidecarTempPath, writeSidecar } from '../../src/download/sidecar.js';
import { expandTarget, parseTargetTemplate } from '../../src/download/target-path.js';
import { testContext } from '../helpers/context.js';
import { filesUnder, runStep, tempDir } from './fixture.js';

// Links planted under the download root, and names too long: the download step (real engine, a loopback HTTP
// server) never writes through a link nor outside its root. Decision: a link at one of the download's own
// names (the file, its .part, its sidecar, the sidecar's .tmp) counts as no file and is replaced — the link
// removed or renamed over, its target left as it was; a folder link under the root fails the asset
// (ERR_DOWNLOAD_PATH), since a folder is shared by many files and may be someone's on purpose.
const BYTES = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 13 + 5) % 256));
const ETAG = '"v1"';
const requests: Array<{ method: string; url: string }> = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = match ? Number(match[1]) : 0;
    const end = match && match[2] ? Number(match[2]) : BYTES.length - 1;
    const headers = { etag: ETAG, 'accept-ranges': 'bytes', 'content-length': String(end - start + 1) };
    if (match) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${BYTES.length}` });
    else res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : BYTES.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }); });
beforeEach(() => { requests.length = 0; });

const item = (id: string): StacItem => ({
  type: 'Feature', id, collection: 'plain', geometry: null, properties: {}, assets: { data: { href: `${base}/files/${id}.bin`, roles: ['data'] } },
});

/** A download root `<dir>/data/`, a folder outside it holding a file nobody may touch. */
async function setUp(name: string): Promise<{ dir: string; root: string; outside: string; victim: string; to: string }> {
  const dir = await tempDir(name);
  const root = path.join(dir, 'data');
  const outside = path.join(dir, 'elsewhere');
  await mkdir(root, { recursive: true });
  await mkdir(outside);
  const victim = path.join(outside, 'victim.txt');
  await writeFile(victim, 'precious\n');
  return { dir, root, outside, victim, to: `${root}/{collection}/{id}/` };
}

const isLink = async (file: string): Promise<boolean> => (await lstat(file)).isSymbolicLink();

describe('links planted under the download root', () => {
  it('a folder link under the root fails the asset with ERR_DOWNLOAD_PATH naming it; nothing is written outside', async () => {
    const { root, outside, victim, to } = await setUp('link-folder');
    await symlink(outside, path.join(root, 'plain'));
    // What a failed download cleans up (its .part, a partial sidecar) is not removed through the link either.
    await mkdir(path.join(outside, 'a'));
    await writeFile(path.join(outside, 'a', 'a.bin.part'), 'theirs');
    await writeFile(path.join(outside, 'a', '.a.bin.stacflow.json'), JSON.stringify({ stacflow_download: 1, state: 'partial', href: `${base}/files/a.bin` }));
    const [entry] = await runStep({ assets: ['data'], to }, [item('a')], testContext('download'));
    expect(entry.failures).toEqual([expect.objectContaining({ code: 'ERR_DOWNLOAD_PATH', href: `${base}/files/a.bin` })]);
    expect(entry.failures[0].message).toContain(`${path.join(root, 'plain')} is a symbolic link (to ${outside})`);
    expect(entry.failures[0].message).toContain('item a, asset data');
    expect(entry.files.data.status).toBe('failed');
    expect(await filesUnder(outside)).toEqual(['a/.a.bin.stacflow.json', 'a/a.bin.part', 'victim.txt']);
    expect(await readFile(path.join(outside, 'a', 'a.bin.part'), 'utf8')).toBe('theirs');
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(requests.filter((r) => r.method === 'GET')).toEqual([]);
  });

  it('a link deeper down (the item folder) is refused too, and a link above the root is the user\'s choice', async () => {
    const { dir, outside } = await setUp('link-deeper');
    const realData = path.join(dir, 'real-data');
    await mkdir(path.join(realData, 'plain'), { recursive: true });
    // The root itself a link (data -> real-data): allowed, it is where the user put it.
    const linkedRoot = path.join(dir, 'linked');
    await symlink(realData, linkedRoot);
    await symlink(outside, path.join(realData, 'plain', 'b'));
    const [denied] = await runStep({ assets: ['data'], to: `${linkedRoot}/{collection}/{id}/` }, [item('b')], testContext('download'));
    expect(denied.failures).toEqual([expect.objectContaining({ code: 'ERR_DOWNLOAD_PATH', message: expect.stringContaining('is a symbolic link') })]);
    const [allowed] = await runStep({ assets: ['data'], to: `${linkedRoot}/{collection}/{id}/` }, [item('c')], testContext('download'));
    expect(allowed.failures).toEqual([]);
    expect(await readFile(path.join(realData, 'plain', 'c', 'c.bin'))).toEqual(BYTES);
    expect(await readdir(outside)).toEqual(['victim.txt']);
  });

  it('a file where a folder should be fails with ERR_DOWNLOAD_PATH', async () => {
    const { root, to } = await setUp('file-as-folder');
    await writeFile(path.join(root, 'plain'), 'not a folder');
    const [entry] = await runStep({ assets: ['data'], to }, [item('d')], testContext('download'));
    expect(entry.failures).toEqual([expect.objectContaining({ code: 'ERR_DOWNLOAD_PATH', message: expect.stringContaining('is not a folder') })]);
  });

  it.each([
    ['the sidecar\'s .tmp', (file: string) => sidecarTempPath(file)],
    ['the .part', (file: string) => `${file}.part`],
    ['the final name', (file: string) => file],
  ])('a file link at %s is never written through: its target is untouched, the download completes', async (_name, at) => {
    const { root, victim, to } = await setUp('link-file');
    const file = path.join(root, 'plain', 'e', 'e.bin');
    await mkdir(path.dirname(file), { recursive: true });
    await symlink(victim, at(file));
    const [entry] = await runStep({ assets: ['data'], to }, [item('e')], testContext('download'));
    expect(entry.failures).toEqual([]);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(await readFile(file)).toEqual(BYTES);
    expect((await lstat(file)).isFile()).toBe(true);
    expect((await lstat(sidecarPath(file))).isFile()).toBe(true);
    expect(await filesUnder(path.dirname(file))).toEqual(['.e.bin.stacflow.json', 'e.bin']);
  });

  it('the same in ranged parts: a link at the .part is replaced, its target untouched', async () => {
    const { root, victim, to } = await setUp('link-part-ranged');
    const file = path.join(root, 'plain', 'f', 'f.bin');
    await mkdir(path.dirname(file), { recursive: true });
    await symlink(victim, `${file}.part`);
    const [entry] = await runStep({ assets: ['data'], to, multipart_threshold: 10_000, part_size: 30_000 }, [item('f')], testContext('download'));
    expect(entry.failures).toEqual([]);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(await readFile(file)).toEqual(BYTES);
  });

  it('a sidecar that is a link is not believed (a forged "complete" elsewhere does not skip the download)', async () => {
    const { root, outside, to } = await setUp('link-sidecar');
    const file = path.join(root, 'plain', 'g', 'g.bin');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'forged content');
    const forged = path.join(outside, 'forged.json');
    const forgedText = JSON.stringify({ stacflow_download: 1, state: 'complete', href: `${base}/files/g.bin`, size: BYTES.length, etag: ETAG });
    await writeFile(forged, forgedText);
    await symlink(forged, sidecarPath(file));
    expect((await readLocalState(file)).sidecar).toBeUndefined();
    const [entry] = await runStep({ assets: ['data'], to }, [item('g')], testContext('download'));
    expect(entry.files.data.status).toBe('downloaded');
    expect(await readFile(file)).toEqual(BYTES);
    expect(await readFile(forged, 'utf8')).toBe(forgedText);
    expect(await isLink(sidecarPath(file))).toBe(false);
  });
});

describe('the file operations on their own', () => {
  it('makeTargetFolder names the link and creates nothing through it', async () => {
    const { root, outside } = await setUp('make-folder');
    await symlink(outside, path.join(root, 'plain'));
    const target = expandTarget(parseTargetTemplate(`${root}/{collection}/{id}/x.bin`), { collection: 'plain', id: 'h', asset: 'data', filename: 'x.bin' }, { item: 'h', asset: 'data' });
    await expect(makeTargetFolder(target, { item: 'h', asset: 'data', href: 'https://h/x.bin' })).rejects.toMatchObject({
      code: 'ERR_DOWNLOAD_PATH',
      message: expect.stringMatching(/^item h, asset data: cannot create the folder .*plain\/h: .*plain is a symbolic link \(to .*elsewhere\)/),
    });
    expect(await readdir(outside)).toEqual(['victim.txt']);
  });

  it('writeSidecar removes a link at its .tmp and renames over a link at the sidecar, leaving both targets', async () => {
    const { root, victim } = await setUp('sidecar-write');
    const file = path.join(root, 'x.bin');
    await symlink(victim, sidecarTempPath(file));
    await symlink(victim, sidecarPath(file));
    await writeSidecar(file, { stacflow_download: 1, state: 'partial', href: 'https://h/x.bin' });
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(JSON.parse(await readFile(sidecarPath(file), 'utf8'))).toMatchObject({ state: 'partial' });
    expect(await filesUnder(root)).toEqual(['.x.bin.stacflow.json']);
  });

  it('openPart to resume refuses a link (ERR_DOWNLOAD_PATH); a new one replaces it', async () => {
    const { root, victim } = await setUp('open-part');
    const part = path.join(root, 'y.bin.part');
    await symlink(victim, part);
    await expect(openPart(part, true)).rejects.toMatchObject({ code: 'ERR_DOWNLOAD_PATH', message: expect.stringContaining('is a symbolic link') });
    const handle = await openPart(part, false);
    await handle.writeFile('new');
    await handle.close();
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(await readFile(part, 'utf8')).toBe('new');
    expect(await readlink(part).catch((err: NodeJS.ErrnoException) => err.code)).toBe('EINVAL');
  });

  it('a name the file system refuses (ENAMETOOLONG) is ERR_DOWNLOAD_PATH, not ERR_UNEXPECTED', async () => {
    const { root } = await setUp('too-long');
    await expect(openPart(path.join(root, `${'z'.repeat(300)}.part`), false)).rejects.toMatchObject({
      code: 'ERR_DOWNLOAD_PATH',
      message: expect.stringContaining('too long for the file system (ENAMETOOLONG)'),
    });
  });
});

describe('names too long', () => {
  it('an overlong id fails its asset with ERR_DOWNLOAD_PATH before any request; other items download', async () => {
    const { root, to } = await setUp('long-id');
    const long = item('i'.repeat(400));
    const [failed, ok] = await runStep({ assets: ['data'], to }, [long, item('j')], testContext('download'));
    expect(failed.failures).toEqual([expect.objectContaining({ code: 'ERR_DOWNLOAD_PATH', message: expect.stringContaining('the item id "iiii') })]);
    expect(failed.failures[0].message).toContain('(400 bytes)');
    expect(ok.failures).toEqual([]);
    expect(requests.map((r) => r.url)).toEqual(['/files/j.bin', '/files/j.bin']);
    expect(await filesUnder(root)).toEqual(['plain/j/.j.bin.stacflow.json', 'plain/j/j.bin']);
  });
});
