import { existsSync } from 'node:fs';
import { readFile, rename, rm, truncate, writeFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import type { LoadedPipeline } from '../../src/engine/pipeline.js';
import { MergeError } from '../../src/merge/errors.js';
import { mergeShards } from '../../src/merge/merge.js';
import { readLines, tempDir } from '../catalog/catalog-run.js';
import { loadYaml, pipelineYaml, runShard, sandboxItems, writeItems } from './merge-fixtures.js';

const silent = pino({ level: 'silent' });
const ITEMS = sandboxItems(60);
let dir: string;
let plan: LoadedPipeline;

/** A fresh folder with 3 shards run (each test changes them its own way). */
beforeEach(async () => {
  dir = await tempDir('merge-shards');
  const itemsFile = await writeItems(path.join(dir, 'items.ndjson'), ITEMS);
  plan = loadYaml(pipelineYaml(dir, itemsFile), dir);
  for (let i = 0; i < 3; i++) await runShard(plan, i, 3);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const out = (name: string) => path.join(dir, 'out', name);
const shardReport = (i: number) => out(`merged.shard-000${i}-of-0003.report.json`);
async function editReport(i: number, edit: (report: any) => void): Promise<void> {
  const report = JSON.parse(await readFile(shardReport(i), 'utf8'));
  edit(report);
  await writeFile(shardReport(i), JSON.stringify(report));
}
const mergeError = (promise: Promise<unknown>) => promise.then(() => { throw new Error('merged'); }, (err: unknown) => err as MergeError);

test('N is found from the shards\' report names', async () => {
  const result = await mergeShards({ plan, log: silent });
  expect(result.report.shards.count).toBe(3);
  expect((await readLines(out('items.ndjson'))).length).toBe(ITEMS.length);
});

test('a missing shard: exit 1, listed by index and tag, no merged catalog written; the report says so', async () => {
  await rm(shardReport(1));
  const result = await mergeShards({ plan, log: silent });
  expect(result.exitCode).toBe(1);
  expect(result.report.status).toBe('aborted');
  expect(result.report.shards.missing).toEqual([{ index: 1, tag: 'shard-0001-of-0003', report: shardReport(1) }]);
  expect(result.report.error?.message).toMatch(/1 missing \(no report: 1\) of 3 shards: nothing merged; .*--partial/);
  for (const name of ['items.csv', 'items.ndjson', 'items.geojson', 'items.parquet', 'images.txt']) expect(existsSync(out(name))).toBe(false);
  expect(JSON.parse(await readFile(out('merged.report.json'), 'utf8')).shards.missing).toHaveLength(1);
});

test('--partial merges the shards there, says which are absent, the report says partial (exit 1 still)', async () => {
  await editReport(2, (r) => {
    r.status = 'aborted';
    r.exit_code = 1;
    r.error = { code: 'ERR_X', message: 'killed' };
  });
  const result = await mergeShards({ plan, log: silent, partial: true });
  expect(result.exitCode).toBe(1);
  expect(result.report.status).toBe('partial');
  expect(result.report.shards).toMatchObject({ partial: true, completed: [0, 1], aborted: [{ index: 2, tag: 'shard-0002-of-0003', error: { code: 'ERR_X', message: 'killed' } }] });
  const rows = (await readLines(out('items.ndjson'))).length;
  const expected = result.report.items.total;
  expect(rows).toBe(expected);
  expect(rows).toBeLessThan(ITEMS.length);
});

test('a shard that finished with failed items: merged, listed, failures tagged with their shard, exit 3', async () => {
  await editReport(0, (r) => {
    r.status = 'done_with_failures';
    r.items.failed = 1;
    r.failures = [{ stage: 'select', code: 'ERR_X', message: 'no value', item: 'a' }];
    r.warnings = [{ stage: 'select', code: 'W_X', message: 'never set' }];
  });
  const result = await mergeShards({ plan, log: silent });
  expect(result.exitCode).toBe(3);
  expect(result.report.status).toBe('done_with_failures');
  expect(result.report.shards.failed).toEqual([{ index: 0, tag: 'shard-0000-of-0003', items_failed: 1 }]);
  expect(result.report.failures).toEqual([{ stage: 'select', code: 'ERR_X', message: 'no value', item: 'a', shard: 'shard-0000-of-0003' }]);
  expect(result.report.warnings[0]).toMatchObject({ code: 'W_X', shard: 'shard-0000-of-0003' });
});

test('reports of two shard counts beside the report: an error naming both (exit 2)', async () => {
  await writeFile(out('merged.shard-0000-of-0005.report.json'), await readFile(shardReport(0)));
  const err = await mergeError(mergeShards({ plan, log: silent }));
  expect(err).toBeInstanceOf(MergeError);
  expect(err.exitCode).toBe(2);
  expect(err.message).toMatch(/several shard counts .*: 3 \(3 reports.*; 5 \(1 report, e\.g\. merged\.shard-0000-of-0005\.report\.json\).*--shards N/);
  // --shards 3 picks them.
  expect((await mergeShards({ plan, log: silent, shards: 3 })).exitCode).toBe(0);
});

test('a report of another pipeline, another N, another strategy: exit 2, naming the file', async () => {
  await editReport(1, (r) => (r.pipeline.name = 'other'));
  let err = await mergeError(mergeShards({ plan, log: silent }));
  expect([err.exitCode, err.message]).toEqual([2, `${shardReport(1)}: a report of pipeline "other", not of "merged" (${plan.file})`]);
  await editReport(1, (r) => {
    r.pipeline.name = 'merged';
    r.shard.count = 4;
  });
  err = await mergeError(mergeShards({ plan, log: silent }));
  expect(err.message).toMatch(/shard-0001-of-0003\.report\.json: a report of shard 1 of 4, not of 3 shards/);
  await editReport(1, (r) => {
    r.shard.count = 3;
    r.shard.strategy = 'datetime';
  });
  err = await mergeError(mergeShards({ plan, log: silent }));
  expect(err.message).toMatch(/shard-0001-of-0003\.report\.json split another search than .*shard-0000-of-0003\.report\.json/);
});

test('a damaged report is named (not JSON), exit 1', async () => {
  await writeFile(shardReport(2), '{"stacflow": ');
  const err = await mergeError(mergeShards({ plan, log: silent }));
  expect(err.exitCode).toBe(1);
  expect(err.message).toMatch(new RegExp(`^${shardReport(2).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not JSON`));
});

test('a damaged shard catalog is named with its shard, nothing merged is written, exit 1', async () => {
  const parquet = out('items.shard-0001-of-0003.parquet');
  await truncate(parquet, (await stat(parquet)).size - 10);
  const result = await mergeShards({ plan, log: silent });
  expect(result.exitCode).toBe(1);
  expect(result.report.error?.message).toBe(`${parquet} (shard-0001-of-0003): it does not end with PAR1: not the geoparquet file a shard writes (cut short or changed?); run that shard again`);
  for (const name of ['items.csv', 'items.ndjson', 'items.parquet']) expect(existsSync(out(name))).toBe(false);
  const geojson = out('items.shard-0002-of-0003.geojson');
  await rename(out('items.shard-0000-of-0003.parquet'), parquet); // parquet whole again (shard 0's in shard 1's place: any whole file)
  await writeFile(geojson, (await readFile(geojson, 'utf8')).slice(0, -4));
  expect((await mergeShards({ plan, log: silent })).report.error?.message).toMatch(/items\.shard-0002-of-0003\.geojson \(shard-0002-of-0003\): it does not end with/);
});

test('a shard\'s catalog missing though its report says done: named, exit 1', async () => {
  await rm(out('items.shard-0000-of-0003.csv'));
  const result = await mergeShards({ plan, log: silent });
  expect(result.exitCode).toBe(1);
  expect(result.report.error?.message).toMatch(/items\.shard-0000-of-0003\.csv: shard 0 \(shard-0000-of-0003\) completed, but its csv file is not there/);
});

test('--report writes the merged report elsewhere', async () => {
  const result = await mergeShards({ plan, log: silent, reportPath: path.join(dir, 'elsewhere.json') });
  expect(result.reportPath).toBe(path.join(dir, 'elsewhere.json'));
  expect(JSON.parse(await readFile(path.join(dir, 'elsewhere.json'), 'utf8')).status).toBe('done');
});
