import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { DownloadEngine, type DownloadJob } from '../../src/download/engine.js';
import { parseTargetTemplate, expandTarget } from '../../src/download/target-path.js';
import { readSidecar } from '../../src/download/sidecar.js';
import { RunStats } from '../../src/engine/stats.js';
import { closeS3Clients } from '../../src/s3/client.js';
import { locateHref } from '../../src/s3/href.js';
import type { Sandbox } from '../../sandbox/index.js';
import { createHttpClient } from '../../src/http/client.js';
import { DEFAULT_LIMITS } from '../../src/http/limits.js';
import type { StacItem } from '../../src/entry.js';
import { filesUnder, IMAGE_BYTES, imageRequests, itemOf, startDownloadSandbox, tempDir } from './fixture.js';

// The engine on its own, with quick retries, against the sandbox S3's cut-body faults.
let sandbox: Sandbox;
beforeAll(async () => { sandbox = await startDownloadSandbox(); });
afterAll(async () => { closeS3Clients(); await sandbox.close(); });
beforeEach(() => sandbox.s3!.clearRequests());

/** 3 attempts per object or part, 1-2 ms apart. */
const LIMITS = { ...DEFAULT_LIMITS, retries: 2, retryBaseDelayMs: 1, retryMaxDelayMs: 2 };

function engineFor(options: { threshold?: number; partSize?: number; signal?: AbortSignal; maxRequests?: number } = {}) {
  const stats = new RunStats();
  const logged: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => { logged.push(JSON.parse(line)); } });
  const engine = new DownloadEngine(
    { maxRequests: options.maxRequests ?? 4, multipartThreshold: options.threshold ?? 1 << 30, partSize: options.partSize ?? 1 << 20 },
    {
      s3: { region: 'us-west-2', anonymous: true, endpoint: sandbox.s3Endpoint, limits: LIMITS },
      http: createHttpClient(),
      signal: options.signal ?? new AbortController().signal,
      log,
      count: (counter, n) => stats.count('download', counter, n),
    },
  );
  return { engine, counters: () => stats.stage('download').counters, logged };
}

const jobFor = (item: StacItem, dir: string): DownloadJob => ({
  item: item.id,
  asset: 'image',
  href: item.assets.image.href,
  located: locateHref(item.assets.image.href),
  target: expandTarget(parseTargetTemplate(`${dir}/{id}.tif`), { collection: item.collection, id: item.id, asset: 'image', filename: undefined }, { item: item.id, asset: 'image' }),
});
const exists = (file: string) => stat(file).then(() => true, () => false);

describe('download engine: cut bodies', () => {
  it('a body cut short is asked for again from where it stopped (Range + If-Match), and the file is exact', async () => {
    const dir = await tempDir('eng-cut');
    const item = itemOf(sandbox, 0);
    sandbox.s3!.addFault({ match: `${item.id}/image`, cutAfterBytes: 100_000, times: 1 });
    const { engine, counters, logged } = engineFor();
    const record = await engine.download(jobFor(item, dir));
    expect(record).toMatchObject({ status: 'downloaded', bytes: IMAGE_BYTES });
    expect(await readFile(path.join(dir, `${item.id}.tif`))).toEqual(Buffer.from(sandbox.s3!.image(item.id)));
    const gets = imageRequests(sandbox, item.id).filter((r) => r.method === 'GET');
    expect(gets.map((g) => g.range)).toEqual([undefined, 'bytes=100000-']);
    expect(gets[1].ifMatch).toBe(record.etag);
    expect(counters()).toMatchObject({ retries: 1, downloaded: 1, bytes: IMAGE_BYTES });
    expect(logged.find((l) => l.level === 30 && l.href === item.assets.image.href && /^retrying/.test(String(l.msg)))).toBeDefined();
  });

  it('a body that keeps being cut fails the entry: no final file, the .part is kept for the next run', async () => {
    const dir = await tempDir('eng-cut-always');
    const item = itemOf(sandbox, 1);
    sandbox.s3!.addFault({ match: `${item.id}/image`, cutAfterBytes: 0, times: 3 });
    const { engine } = engineFor();
    await expect(engine.download(jobFor(item, dir))).rejects.toMatchObject({ code: 'ERR_DOWNLOAD_INCOMPLETE', href: item.assets.image.href });
    expect(await exists(path.join(dir, `${item.id}.tif`))).toBe(false);
    expect(await filesUnder(dir)).toEqual([`.${item.id}.tif.stacflow.json`, `${item.id}.tif.part`]);
  });

  it('a killed download resumes: Range bytes=N- with If-Match, the prefix hashed from disk, an exact file', async () => {
    const dir = await tempDir('eng-resume');
    const item = itemOf(sandbox, 2);
    // The first GET stops after 70,000 bytes, the retries get nothing: the run gives up with a 70,000-byte .part.
    sandbox.s3!.addFault({ match: `${item.id}/image`, cutAfterBytes: 70_000, times: 1 });
    sandbox.s3!.addFault({ match: `${item.id}/image`, cutAfterBytes: 0, times: 2 });
    await expect(engineFor().engine.download(jobFor(item, dir))).rejects.toMatchObject({ code: 'ERR_DOWNLOAD_INCOMPLETE' });
    expect((await stat(path.join(dir, `${item.id}.tif.part`))).size).toBe(70_000);
    sandbox.s3!.clearRequests();

    const { engine, counters } = engineFor();
    const record = await engine.download(jobFor(item, dir));
    expect(record).toMatchObject({ status: 'downloaded', resumed_from: 70_000, bytes: IMAGE_BYTES });
    const gets = imageRequests(sandbox, item.id).filter((r) => r.method === 'GET');
    expect(gets).toEqual([{ method: 'GET', range: 'bytes=70000-', ifMatch: record.etag, status: 206 }]);
    expect(await readFile(path.join(dir, `${item.id}.tif`))).toEqual(Buffer.from(sandbox.s3!.image(item.id)));
    expect(counters()).toMatchObject({ resumed: 1, bytes: IMAGE_BYTES - 70_000 });
    expect(await readSidecar(path.join(dir, `${item.id}.tif`))).toMatchObject({ state: 'complete', size: IMAGE_BYTES, etag: record.etag });
  });

  it('a .part of an object that has changed since is dropped: the download starts again from 0', async () => {
    const dir = await tempDir('eng-resume-changed');
    const item = itemOf(sandbox, 3);
    sandbox.s3!.addFault({ match: `${item.id}/image`, cutAfterBytes: 50_000, times: 1 });
    sandbox.s3!.addFault({ match: `${item.id}/image`, cutAfterBytes: 0, times: 2 });
    await expect(engineFor().engine.download(jobFor(item, dir))).rejects.toMatchObject({ code: 'ERR_DOWNLOAD_INCOMPLETE' });
    const replaced = new Uint8Array(120_000).map((_, i) => (i * 13) % 256);
    await sandbox.s3!.replaceImage(item.id, replaced);
    sandbox.s3!.clearRequests();
    const record = await engineFor().engine.download(jobFor(item, dir));
    expect(record).toMatchObject({ status: 'downloaded', bytes: 120_000 });
    expect(record.resumed_from).toBeUndefined();
    expect(imageRequests(sandbox, item.id).filter((r) => r.method === 'GET').map((g) => g.range)).toEqual([undefined]);
    expect(await readFile(path.join(dir, `${item.id}.tif`))).toEqual(Buffer.from(replaced));
  });

  it('a part cut short is retried on its own; a killed multipart download resumes only its missing parts', async () => {
    const dir = await tempDir('eng-parts');
    const item = itemOf(sandbox, 4);
    const partSize = 64 * 1024;
    // One request at a time: parts 0 and 1 arrive whole, part 2 gets nothing three times; part 3 is never asked for.
    sandbox.s3!.addFault({ match: `${item.id}/image`, cutAfterBytes: 1 << 30, times: 2 });
    sandbox.s3!.addFault({ match: `${item.id}/image`, cutAfterBytes: 0, times: 3 });
    const first = engineFor({ threshold: 100_000, partSize, maxRequests: 1 });
    await expect(first.engine.download(jobFor(item, dir))).rejects.toMatchObject({ code: 'ERR_DOWNLOAD_INCOMPLETE' });
    expect(await readSidecar(path.join(dir, `${item.id}.tif`))).toMatchObject({ state: 'partial', part_size: partSize, parts_done: [0, 1] });
    expect(first.counters()).toMatchObject({ parts: 2, retries: 2 });
    sandbox.s3!.clearRequests();

    const second = engineFor({ threshold: 100_000, partSize });
    const record = await second.engine.download(jobFor(item, dir));
    expect(record).toMatchObject({ status: 'downloaded', resumed_from: 2 * partSize });
    expect(await readFile(path.join(dir, `${item.id}.tif`))).toEqual(Buffer.from(sandbox.s3!.image(item.id)));
    const ranges = imageRequests(sandbox, item.id).filter((r) => r.method === 'GET').map((g) => g.range).sort();
    expect(ranges).toEqual([`bytes=${2 * partSize}-${3 * partSize - 1}`, `bytes=${3 * partSize}-${4 * partSize - 1}`]);
    expect(second.counters()).toMatchObject({ parts: 2, resumed: 1, bytes: 2 * partSize });
  });

  it('honours the abort signal: the download stops with its reason and keeps the .part', async () => {
    const dir = await tempDir('eng-abort');
    const item = itemOf(sandbox, 5);
    const controller = new AbortController();
    controller.abort(new Error('run cancelled'));
    await expect(engineFor({ signal: controller.signal }).engine.download(jobFor(item, dir))).rejects.toThrow('run cancelled');
    expect(await exists(path.join(dir, `${item.id}.tif`))).toBe(false);
  });
});
