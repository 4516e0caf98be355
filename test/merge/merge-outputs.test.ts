import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { mergeShards } from '../../src/merge/merge.js';
import { shardOfItem } from '../../src/shard/shard-spec.js';
import { readLines, tempDir } from '../catalog/catalog-run.js';
import { duckdb, hyparquetRows, kvMetadata } from '../catalog/geoparquet/read-back.js';
import { loadYaml, pipelineYaml, runShard, runWhole, sandboxItems, writeItems } from './merge-fixtures.js';

const SHARDS = 4;
const ITEMS = sandboxItems(240);
const silent = pino({ level: 'silent' });

let root: string;
let whole: string;
let sharded: string;

beforeAll(async () => {
  root = await tempDir('merge');
  const itemsFile = await writeItems(path.join(root, 'items.ndjson'), ITEMS);
  whole = path.join(root, 'whole');
  sharded = path.join(root, 'sharded');
  await runWhole(loadYaml(pipelineYaml(whole, itemsFile), whole));
  const plan = loadYaml(pipelineYaml(sharded, itemsFile), sharded);
  for (let i = 0; i < SHARDS; i++) await runShard(plan, i, SHARDS);
  const result = await mergeShards({ plan, log: silent });
  expect(result.exitCode).toBe(0);
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

const out = (dir: string, name: string) => path.join(dir, 'out', name);
const sortedLines = async (file: string) => (await readLines(file)).sort();

describe('stacflow merge: the merged files equal a single run\'s (rows sorted: their order follows the shards)', () => {
  test('the items were split over every shard (the test splits something)', () => {
    const per = new Array(SHARDS).fill(0);
    for (const item of ITEMS) per[shardOfItem(item.collection, item.id, SHARDS)] += 1;
    expect(per.every((n) => n > 20)).toBe(true);
  });

  test('CSV: the same header once, the same rows', async () => {
    const [wholeHeader, ...wholeRows] = await readLines(out(whole, 'items.csv'));
    const [mergedHeader, ...mergedRows] = await readLines(out(sharded, 'items.csv'));
    expect(mergedHeader).toBe(wholeHeader);
    expect(mergedRows.length).toBe(ITEMS.length);
    expect(mergedRows.sort()).toEqual(wholeRows.sort());
  });

  test('NDJSON: the same lines', async () => {
    expect(await sortedLines(out(sharded, 'items.ndjson'))).toEqual(await sortedLines(out(whole, 'items.ndjson')));
  });

  test('GeoJSON: one FeatureCollection with the same features', async () => {
    const parse = async (dir: string) => JSON.parse(await readFile(out(dir, 'items.geojson'), 'utf8')) as { type: string; features: Array<{ id: string }> };
    const merged = await parse(sharded);
    const single = await parse(whole);
    expect(merged.type).toBe('FeatureCollection');
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect(merged.features.sort(byId)).toEqual(single.features.sort(byId));
  });

  test('GeoParquet read back by hyparquet: the same rows', async () => {
    const byId = (a: Record<string, any>, b: Record<string, any>) => String(a.id).localeCompare(String(b.id));
    const merged = (await hyparquetRows(out(sharded, 'items.parquet'))).sort(byId);
    const single = (await hyparquetRows(out(whole, 'items.parquet'))).sort(byId);
    expect(merged.length).toBe(ITEMS.length);
    expect(merged).toEqual(single);
  });

  test('GeoParquet read by DuckDB: the same rows, schema and row groups of every shard', async () => {
    // DuckDB reads the GeoParquet geometry as its GEOMETRY type (spatial built in) or as a BLOB (older versions).
    const query = (dir: string) =>
      duckdb(`SELECT * EXCLUDE (geometry), ST_AsText(geometry) AS wkt FROM read_parquet('${out(dir, 'items.parquet')}') ORDER BY id`).catch(() =>
        duckdb(`SELECT * EXCLUDE (geometry), hex(geometry) AS wkb FROM read_parquet('${out(dir, 'items.parquet')}') ORDER BY id`),
      );
    expect(await query(sharded)).toEqual(await query(whole));
    const describe = (dir: string) => duckdb(`DESCRIBE SELECT * FROM read_parquet('${out(dir, 'items.parquet')}')`);
    expect(await describe(sharded)).toEqual(await describe(whole));
    const groups = await duckdb(`SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('${out(sharded, 'items.parquet')}')`);
    expect(Number(groups[0].n)).toBeGreaterThanOrEqual(SHARDS);
  });

  test('GeoParquet geo metadata: the bbox and geometry types cover all shards, as a single run\'s', async () => {
    const merged = await kvMetadata(out(sharded, 'items.parquet'));
    const single = await kvMetadata(out(whole, 'items.parquet'));
    expect(merged.geo).toEqual(single.geo);
    expect(merged['stac-geoparquet']).toEqual(single['stac-geoparquet']);
    const xs = ITEMS.flatMap((item) => [item.bbox![0], item.bbox![2]]);
    expect(merged.geo.columns.geometry.bbox[0]).toBe(Math.min(...xs));
    expect(merged.geo.columns.geometry.bbox[2]).toBe(Math.max(...xs));
  });

  test('rclone manifest and its --files-from lists: the same objects, the same lists', async () => {
    expect(await sortedLines(out(sharded, 'images.txt'))).toEqual(await sortedLines(out(whole, 'images.txt')));
    const report = JSON.parse(await readFile(out(sharded, 'merged.report.json'), 'utf8'));
    const single = JSON.parse(await readFile(out(whole, 'merged.report.json'), 'utf8'));
    const lists = report.outputs.rclone_manifest.lists as Record<string, string>;
    const singleLists = single.outputs.rclone_manifest.lists as Record<string, string>;
    expect(Object.keys(lists).length).toBe(Object.keys(singleLists).length);
    const contents = async (files: Record<string, string>) => (await Promise.all(Object.values(files).map(sortedLines))).map((l) => l.join('\n')).sort();
    expect(await contents(lists)).toEqual(await contents(singleLists));
    expect(report.outputs.rclone_manifest.commands).toHaveLength(Object.keys(lists).length);
  });

  test('the merged report: counts summed per stage, outputs with rows, every shard completed', async () => {
    const report = JSON.parse(await readFile(out(sharded, 'merged.report.json'), 'utf8'));
    const single = JSON.parse(await readFile(out(whole, 'merged.report.json'), 'utf8'));
    expect(report.status).toBe('done');
    expect(report.exit_code).toBe(0);
    expect(report.items).toEqual(single.items);
    // Every shard searched the whole (hash sharding): the source's count is N searches; after it, the shards' parts.
    const counts = (r: any) => r.stages.filter((s: any) => !['shard', 'http', 'items'].includes(s.label)).map((s: any) => [s.label, s.in, s.out, s.failed, s.dropped]);
    expect(counts(report)).toEqual(counts(single));
    expect(report.stages.find((s: any) => s.label === 'items').out).toBe(SHARDS * ITEMS.length);
    expect(report.shards).toMatchObject({ count: SHARDS, completed: [0, 1, 2, 3], failed: [], missing: [], aborted: [], partial: false });
    for (const label of ['csv', 'ndjson', 'geojson', 'geoparquet']) expect(report.outputs[label]).toEqual({ path: expect.stringContaining(path.join(sharded, 'out')), rows: ITEMS.length });
    expect(typeof report.duration_s).toBe('number');
    expect(existsSync(out(sharded, 'items.shard-0000-of-0004.csv'))).toBe(true); // the shards' files stay
  });
});
