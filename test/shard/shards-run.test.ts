import { access, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { tempDir, readLines } from '../catalog/catalog-run.js';
import { runBin } from '../cli/run-bin.js';
import { shardOfItem } from '../../src/shard/shard-spec.js';
import { csvRows, MONO, ndjsonIds, readReport, runPipelineBin, STEREO, writeShardPipeline } from './shard-runs.js';

/**
 * Issue 14 points 1, 2, 5: four shards as four processes of the bin, each told its index as a Kubernetes
 * Indexed Job tells it (JOB_COMPLETION_INDEX with --shards 4), at once against one sandbox. Their catalogs are
 * disjoint and together hold exactly the rows of one unsharded run; each image and label is read once over the
 * four (no shard works another's items); each shard writes its own tagged report, catalogs and manifest; and
 * `stacflow merge` makes of them the single run's catalogs (issue 14 point 3).
 */
const SHARDS = 4;
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 14, collections: [{ id: MONO, items: 70 }, { id: STEREO, items: 50 }] });
});
afterAll(async () => {
  await sandbox.close();
});

const tag = (i: number) => `shard-000${i}-of-0004`;

test('4 shards run at once: disjoint, their union is the unsharded run, each file read once, files tagged', async () => {
  const single = await tempDir('shard-single');
  const singleRun = await runPipelineBin(single, [await writeShardPipeline(single, sandbox), '-q']);
  expect({ code: singleRun.code, stderr: singleRun.stderr.slice(-500) }).toMatchObject({ code: 0 });
  const expectedIds = await ndjsonIds(path.join(single, 'out', 'items.ndjson'));
  const expectedCsv = await csvRows(path.join(single, 'out', 'items.csv'));
  const expectedManifest = (await readLines(path.join(single, 'out', 'images.txt'))).sort();
  expect(expectedIds.length).toBeGreaterThan(40);
  const singleReport = await readReport(path.join(single, 'out', 'sharded.report.json'));
  expect(singleReport.shard).toBeUndefined();

  const dir = await tempDir('shards');
  const file = await writeShardPipeline(dir, sandbox);
  sandbox.requests.length = 0;
  sandbox.s3!.clearRequests();
  const ended = await Promise.all(Array.from({ length: SHARDS }, (_, i) => runPipelineBin(dir, [file, '--shards', String(SHARDS), '-q'], { JOB_COMPLETION_INDEX: String(i) })));
  for (const run of ended) expect({ code: run.code, stderr: run.stderr.slice(-500) }).toMatchObject({ code: 0 });

  // Each shard's own files, under the tag; the pipeline's own names are not written.
  const outFiles = (await readdir(path.join(dir, 'out'))).sort();
  for (let i = 0; i < SHARDS; i += 1) {
    for (const name of [`images.${tag(i)}.txt`, `items.${tag(i)}.csv`, `items.${tag(i)}.ndjson`, `sharded.${tag(i)}.report.html`, `sharded.${tag(i)}.report.json`]) expect(outFiles).toContain(name);
  }
  expect(outFiles.filter((name) => !/\.shard-000[0-3]-of-0004\./.test(name))).toEqual([]);
  for (const name of ['items.csv', 'items.ndjson', 'sharded.report.json', 'images.txt']) await expect(access(path.join(dir, 'out', name))).rejects.toThrow();

  const seen = new Map<string, number>();
  const rows: string[] = [];
  const manifest: string[] = [];
  let total = 0;
  for (let i = 0; i < SHARDS; i += 1) {
    const ids = await ndjsonIds(path.join(dir, 'out', `items.${tag(i)}.ndjson`));
    for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    // Every item a shard kept is its own by the hash.
    const items = (await readLines(path.join(dir, 'out', `items.${tag(i)}.ndjson`))).map((line) => JSON.parse(line) as { id: string; collection: string });
    expect(items.filter((item) => shardOfItem(item.collection, item.id, SHARDS) !== i)).toEqual([]);
    const csv = await csvRows(path.join(dir, 'out', `items.${tag(i)}.csv`));
    expect(csv.header).toBe(expectedCsv.header);
    rows.push(...csv.rows);
    manifest.push(...(await readLines(path.join(dir, 'out', `images.${tag(i)}.txt`)).catch(() => [])));

    const report = await readReport(path.join(dir, 'out', `sharded.${tag(i)}.report.json`));
    expect(report.shard).toMatchObject({ index: i, count: SHARDS, from: 'JOB_COMPLETION_INDEX', strategy: 'hash', tag: tag(i), searched: singleReport.items.total });
    expect(report.shard!.this_shard + report.shard!.other_shards).toBe(report.shard!.searched);
    expect(report.items.total).toBe(report.shard!.this_shard);
    expect(report.items.searched).toBe(singleReport.items.total);
    // Other shards' items are nobody's drops: the filter drops only what it says no to.
    const filter = report.stages.find((s) => s.label === 'filter')!;
    expect(filter.in).toBe(report.shard!.this_shard);
    total += report.items.total;
  }
  expect(total).toBe(singleReport.items.total);
  expect([...seen.values()].every((n) => n === 1)).toBe(true);
  expect([...seen.keys()].sort()).toEqual(expectedIds);
  expect(rows.sort()).toEqual(expectedCsv.rows);
  expect(manifest.sort()).toEqual(expectedManifest);

  // Each label and image was read by one shard only: reads of a key = reads in the single run (one each).
  const reads = new Map<string, number>();
  for (const request of sandbox.s3!.requests) if (request.method === 'GET' && request.key) reads.set(request.key, (reads.get(request.key) ?? 0) + 1);
  const readTwice = [...reads].filter(([, n]) => n > 1);
  expect(readTwice).toEqual([]);
  // The same files downloaded, each once, where the single run put them.
  // Then `stacflow merge`: the pipeline's own catalogs, equal to the single run's (rows as sorted sets).
  const merged = await runBin('stacflow', ['merge', file, '-q'], { cwd: dir });
  expect({ code: merged.code, stderr: merged.stderr.slice(-500) }).toMatchObject({ code: 0 });
  expect(await ndjsonIds(path.join(dir, 'out', 'items.ndjson'))).toEqual(expectedIds);
  expect(await csvRows(path.join(dir, 'out', 'items.csv'))).toEqual(expectedCsv);
  expect((await readLines(path.join(dir, 'out', 'images.txt'))).sort()).toEqual(expectedManifest);
  const mergedReport = await readReport(path.join(dir, 'out', 'sharded.report.json'));
  expect(mergedReport.items).toMatchObject({ total: singleReport.items.total, written: singleReport.items.written, failed: 0 });

  // Merged with a pipeline whose steps differ from those the shards ran: refused, naming the shard's report.
  const changed = await runBin('stacflow', ['merge', file, '-q', '--set', 'steps.filter=incidence_angle < 60'], { cwd: dir });
  expect(changed.code).toBe(2);
  expect(changed.stderr).toMatch(/sharded\.shard-0000-of-0004\.report\.json: the shard ran another search or other steps than .*pipeline fingerprint/);

  const downloaded = await dataFiles(single);
  expect(downloaded.length).toBe(expectedIds.length);
  expect(await dataFiles(dir)).toEqual(downloaded);
}, 55_000);

/** The downloaded files under `dir/data` (dot files and `.part`s left out) with their sizes, sorted. */
async function dataFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(dir, 'data'), { recursive: true });
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, 'data', entry);
    const info = await stat(full);
    if (info.isFile() && !path.basename(entry).startsWith('.') && !entry.endsWith('.part')) files.push(`${entry} ${info.size}`);
  }
  return files.sort();
}
