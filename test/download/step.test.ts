import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Entry, StacItem } from '../../src/entry.js';
import { closeS3Clients } from '../../src/s3/client.js';
import type { Sandbox } from '../../sandbox/index.js';
import { stepOf } from '../helpers/context.js';
import { ENTRIES, filesUnder, IMAGE_BYTES, imageRequests, itemOf, runStep, startDownloadSandbox, stepContext, tempDir } from './fixture.js';

// The download step against the sandbox S3: real requests on 127.0.0.1, files compared byte for byte.
let sandbox: Sandbox;
const MISSING = ENTRIES[7].id;
const FORBIDDEN = ENTRIES[8].id;
beforeAll(async () => { sandbox = await startDownloadSandbox({ missing: [`${MISSING}/image`], forbidden: [`${FORBIDDEN}/image`] }); });
afterAll(async () => { closeS3Clients(); await sandbox.close(); });
beforeEach(() => sandbox.s3!.clearRequests());

const file = (dir: string, item: StacItem) => path.join(dir, item.collection as string, item.id, `${item.id}.tif`);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const withChecksum = (item: StacItem, checksum: string): StacItem => ({ ...item, assets: { ...item.assets, image: { ...item.assets.image, 'file:checksum': checksum } } });

describe('download step', () => {
  it('writes each image byte for byte, records it on the entry, counts it, and leaves entries in order', async () => {
    const dir = await tempDir('dl-basic');
    const items = [0, 1, 2, 3].map((n) => itemOf(sandbox, n));
    const ctx = stepContext(sandbox);
    const out = await runStep({ assets: ['image'], to: `${dir}/{collection}/{id}/` }, items, ctx);
    expect(out.map((e) => e.item.id)).toEqual(items.map((i) => i.id));
    for (const entry of out) {
      const target = file(dir, entry.item);
      expect(await readFile(target)).toEqual(Buffer.from(sandbox.s3!.image(entry.item.id)));
      expect(entry.failures).toEqual([]);
      expect(entry.files.image).toEqual({ path: target, bytes: IMAGE_BYTES, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/), status: 'downloaded', href: entry.item.assets.image.href });
    }
    expect(ctx.stats.stage('download').counters).toMatchObject({ downloaded: 4, bytes: 4 * IMAGE_BYTES, requests: 8 });
    // Nothing else is left beside the files but their sidecars.
    const id0 = items[0].id;
    expect((await filesUnder(path.join(dir, items[0].collection as string, id0)))).toEqual([`.${id0}.tif.stacflow.json`, `${id0}.tif`]);
    // No request was signed.
    expect(sandbox.s3!.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('a second run makes no GET (HEADs only) and reports skipped', async () => {
    const dir = await tempDir('dl-skip');
    const items = [0, 1].map((n) => itemOf(sandbox, n));
    await runStep({ assets: ['image'], to: `${dir}/{collection}/{id}/` }, items, stepContext(sandbox));
    sandbox.s3!.clearRequests();
    const ctx = stepContext(sandbox);
    const out = await runStep({ assets: ['image'], to: `${dir}/{collection}/{id}/` }, items, ctx);
    expect(sandbox.s3!.requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD']);
    expect(out.map((e) => e.files.image.status)).toEqual(['skipped', 'skipped']);
    expect(ctx.stats.stage('download').counters).toEqual({ requests: 2, skipped: 2 });
  });

  it('an object that changed between runs is downloaded again', async () => {
    const dir = await tempDir('dl-changed');
    const item = itemOf(sandbox, 4);
    await runStep({ assets: ['image'], to: `${dir}/{collection}/{id}/` }, [item], stepContext(sandbox));
    const replaced = new Uint8Array(100_000).map((_, i) => (i * 7) % 251);
    await sandbox.s3!.replaceImage(item.id, replaced);
    const [entry] = await runStep({ assets: ['image'], to: `${dir}/{collection}/{id}/` }, [item], stepContext(sandbox));
    expect(entry.files.image).toMatchObject({ status: 'downloaded', bytes: 100_000 });
    expect(await readFile(file(dir, item))).toEqual(Buffer.from(replaced));
  });

  it('NoSuchKey and 403 fail their entries with the href and S3 code, with no file and no .part', async () => {
    const dir = await tempDir('dl-refused');
    const missing = sandbox.catalog.item(ENTRIES[7].collection, MISSING) as StacItem;
    const forbidden = sandbox.catalog.item(ENTRIES[8].collection, FORBIDDEN) as StacItem;
    const ctx = stepContext(sandbox);
    const out = await runStep({ assets: ['image'], to: `${dir}/{collection}/{id}/` }, [missing, forbidden, itemOf(sandbox, 0)], ctx);
    expect(out[0].failures).toEqual([{ stage: 'download', code: 'ERR_S3_NOT_FOUND', status: 404, href: missing.assets.image.href, message: expect.stringContaining('NoSuchKey') }]);
    expect(out[1].failures).toEqual([{ stage: 'download', code: 'ERR_S3_ACCESS_DENIED', status: 403, href: forbidden.assets.image.href, message: expect.stringContaining('AccessDenied') }]);
    expect(out[0].failures[0].message).toMatch(/^asset image: /);
    expect(out[2].failures).toEqual([]);
    const files = await filesUnder(dir);
    expect(files.filter((f) => f.includes(MISSING) || f.includes(FORBIDDEN))).toEqual([]);
    // The report lists failures as they happen: downloads run 4 at a time, so in either order.
    expect(ctx.stats.failures.map((f) => f.item).sort()).toEqual([MISSING, FORBIDDEN].sort());
  });

  it('refuses hostile ids, collections and keys before any request', async () => {
    const dir = await tempDir('dl-hostile');
    const base = itemOf(sandbox, 0);
    const hostile: StacItem[] = [
      { ...base, id: '../../../escape' },
      { ...base, collection: '/etc' },
      { ...base, id: 'bad\u0000id' },
      { ...base, assets: { ...base.assets, image: { ...base.assets.image, href: base.assets.image.href.replace(/[^/]+$/, '..') } } },
      { ...base, assets: { ['../key']: base.assets.image } },
    ];
    const ctx = stepContext(sandbox);
    const out = await runStep({ assets: ['image', '../key'], to: `${dir}/{collection}/{id}/{asset}/`, required: false }, hostile, ctx);
    expect(sandbox.s3!.requests).toEqual([]);
    for (const entry of out) {
      expect(entry.failures).toEqual([expect.objectContaining({ stage: 'download', code: 'ERR_DOWNLOAD_PATH' })]);
      expect(entry.failures[0].message).toContain(`item ${JSON.stringify(entry.item.id)}`);
    }
    expect(out[0].failures[0].message).toContain('"../../../escape"');
    expect(out[4].failures[0].message).toContain('asset "../key"');
    expect(await filesUnder(dir)).toEqual([]);
  });

  it('fetches objects over the threshold as several ranged parts with If-Match, exactly', async () => {
    const dir = await tempDir('dl-parts');
    const item = itemOf(sandbox, 5);
    const ctx = stepContext(sandbox);
    const [entry] = await runStep({ assets: ['image'], to: `${dir}/{id}.tif`, multipart_threshold: '64KiB', part_size: '40KiB', max_requests: 3 }, [item], ctx);
    expect(entry.files.image.status).toBe('downloaded');
    expect(await readFile(path.join(dir, `${item.id}.tif`))).toEqual(Buffer.from(sandbox.s3!.image(item.id)));
    const gets = imageRequests(sandbox, item.id).filter((r) => r.method === 'GET');
    expect(gets).toHaveLength(7); // 256 KiB in 40 KiB parts
    expect(gets.map((g) => g.range).sort()).toEqual(Array.from({ length: 7 }, (_, i) => `bytes=${i * 40960}-${Math.min(IMAGE_BYTES, (i + 1) * 40960) - 1}`).sort());
    expect(gets.every((g) => g.ifMatch === entry.files.image.etag && g.status === 206)).toBe(true);
    expect(ctx.stats.stage('download').counters).toMatchObject({ parts: 7, bytes: IMAGE_BYTES, downloaded: 1 });
  });

  it('checks file:checksum: a right one is recorded, a wrong one fails the entry and keeps nothing', async () => {
    const dir = await tempDir('dl-checksum');
    const [right, wrong] = [itemOf(sandbox, 9), itemOf(sandbox, 10)];
    const ctx = stepContext(sandbox);
    const out = await runStep({ assets: ['image'], to: `${dir}/{id}.tif` }, [
      withChecksum(right, `1220${sha256(sandbox.s3!.image(right.id))}`),
      withChecksum(wrong, `1220${sha256(new Uint8Array(3))}`),
    ], ctx);
    expect(out[0].files.image).toMatchObject({ status: 'downloaded', checksum: `1220${sha256(sandbox.s3!.image(right.id))}` });
    expect(out[1].failures).toEqual([expect.objectContaining({ code: 'ERR_DOWNLOAD_CHECKSUM', href: wrong.assets.image.href, message: expect.stringContaining('differs from file:checksum') })]);
    expect(out[1].files.image.status).toBe('failed');
    expect(await filesUnder(dir)).toEqual([`.${right.id}.tif.stacflow.json`, `${right.id}.tif`]);
  });

  it('an unknown multihash code is reported, and the file is still verified by size and MD5', async () => {
    const dir = await tempDir('dl-unknown-hash');
    const item = withChecksum(itemOf(sandbox, 11), `b220${'00'.repeat(32)}`);
    const ctx = stepContext(sandbox);
    const [entry] = await runStep({ assets: ['image'], to: `${dir}/{id}.tif` }, [item], ctx);
    expect(entry.failures).toEqual([]);
    expect(entry.files.image.checksum).toBeUndefined();
    expect(ctx.stats.stage('download').counters.checksum_unchecked).toBe(1);
  });

  it('selects assets by role too, and fails an item without a listed key unless required: false', async () => {
    const dir = await tempDir('dl-roles');
    const item = itemOf(sandbox, 12);
    const ctx = stepContext(sandbox);
    const [entry] = await runStep({ assets: ['nope'], roles: ['data'], to: `${dir}/{id}/{asset}-{filename}` }, [item], ctx);
    expect(entry.files.image.status).toBe('downloaded');
    expect(entry.failures).toEqual([expect.objectContaining({ code: 'ERR_DOWNLOAD_NO_ASSET', message: expect.stringContaining('item has no asset nope') })]);
    expect(await stat(path.join(dir, item.id, `image-${item.id}.tif`))).toBeTruthy();
    const [lenient] = await runStep({ assets: ['nope'], roles: ['data'], to: `${dir}/{id}/{asset}-{filename}`, required: false }, [item], stepContext(sandbox));
    expect(lenient.failures).toEqual([]);
    expect(lenient.files.image.status).toBe('skipped');
  });

  it('the entry keeps the assets that arrived and carries the failure of the one that did not', async () => {
    const dir = await tempDir('dl-partial');
    const item = itemOf(sandbox, 13);
    const ctx = stepContext(sandbox);
    const [entry] = await runStep({ assets: ['image', 'thumbnail', 'caminfo_pvl'], to: `${dir}/{id}/` }, [item], ctx);
    expect(entry.files.image.status).toBe('downloaded');
    expect(entry.files.caminfo_pvl.status).toBe('downloaded');
    expect(entry.files.thumbnail.status).toBe('failed');
    expect(entry.failures).toEqual([expect.objectContaining({ code: 'ERR_S3_NOT_FOUND', href: item.assets.thumbnail.href })]);
    expect(await readFile(path.join(dir, item.id, `${item.id}.caminfo.pvl`), 'utf8')).toBe(sandbox.s3!.caminfo(item.id).text);
  });

  it('entries that failed earlier pass through untouched', async () => {
    const item = itemOf(sandbox, 0);
    const failed: Entry = { item, fields: {}, files: {}, failures: [{ stage: 'x', code: 'E', message: 'm' }] };
    const { from, lastValueFrom, toArray } = await import('rxjs');
    const { download, downloadOptions } = await import('../../operators/download.js');
    const out = await lastValueFrom(from([failed]).pipe(stepOf(download, downloadOptions.parse({ assets: ['image'], to: '/nonexistent/{id}/' }), stepContext(sandbox)), toArray()));
    expect(out).toEqual([failed]);
    expect(sandbox.s3!.requests).toEqual([]);
  });

  it('a sidecar or file edited by hand is not trusted', async () => {
    const dir = await tempDir('dl-tamper');
    const item = itemOf(sandbox, 14);
    await runStep({ assets: ['image'], to: `${dir}/{id}.tif` }, [item], stepContext(sandbox));
    await writeFile(path.join(dir, `${item.id}.tif`), 'short');
    const [entry] = await runStep({ assets: ['image'], to: `${dir}/{id}.tif` }, [item], stepContext(sandbox));
    expect(entry.files.image.status).toBe('downloaded');
    expect(await readFile(path.join(dir, `${item.id}.tif`))).toEqual(Buffer.from(sandbox.s3!.image(item.id)));
  });
});
