import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { csv, csvOptions } from '../../operators/csv.js';
import { geoparquet, geoparquetOptions } from '../../operators/geoparquet.js';
import { newEntry, withFields, type Entry } from '../../src/entry.js';
import { prepareCsvMerge } from '../../src/merge/csv-merge.js';
import { prepareGeoparquetMerge } from '../../src/merge/geoparquet-merge.js';
import type { MergeInput, MergeTarget } from '../../src/merge/merge-target.js';
import { localShardFile } from '../../src/merge/shard-inputs.js';
import { openStacGeoparquet } from '../../src/catalog/geoparquet/read-rows.js';
import { rowItem } from '../../src/catalog/geoparquet/row-item.js';
import { testContext } from '../helpers/context.js';
import { tempDir } from '../catalog/catalog-run.js';
import { duckdb, kvMetadata } from '../catalog/geoparquet/read-back.js';
import { sandboxItems } from './merge-fixtures.js';

const ITEMS = sandboxItems(30);
let dir: string;
beforeEach(async () => {
  dir = await tempDir('merge-schemas');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function writeWith(stage: typeof csv | typeof geoparquet, options: Record<string, unknown>, entries: Entry[]): Promise<void> {
  const schema = stage === csv ? csvOptions : geoparquetOptions;
  const sink = await stage.create(schema.parse(options) as never, testContext(stage.name));
  for (const entry of entries) await sink.write(entry);
  await sink.finish();
}

async function inputs(files: string[]): Promise<MergeInput[]> {
  return Promise.all(files.map(async (file, index) => ({ index, tag: `shard-000${index}-of-000${files.length}`, file: (await localShardFile(file))!, result: { path: file, rows: 10 } })));
}

const target = (kind: MergeTarget['kind'], file: string, options: Record<string, unknown> = {}): MergeTarget => ({ label: kind, kind, path: file, written: file, options });

describe('CSV shards with different derived columns', () => {
  test('the header is their union (failed last), each cell stays under its column name', async () => {
    const a = path.join(dir, 'a.csv');
    const b = path.join(dir, 'b.csv');
    await writeWith(csv, { path: a }, ITEMS.slice(0, 10).map((item) => withFields(newEntry(item), { sun: 1 })));
    await writeWith(csv, { path: b }, ITEMS.slice(10, 20).map((item) => withFields(newEntry(item), { moon: '=2', sun: 3 })));
    const merged = path.join(dir, 'merged.csv');
    await (await prepareCsvMerge(target('csv', merged), await inputs([a, b]))).write();
    const rows = parse(await readFile(merged)) as string[][];
    const header = rows[0];
    expect(header.slice(0, 4)).toEqual(['id', 'collection', 'datetime', 'sun']);
    expect(header).toContain('moon');
    expect(header.at(-1)).toBe('failed');
    expect(rows).toHaveLength(21);
    const cell = (row: string[], name: string) => row[header.indexOf(name)];
    expect(rows.slice(1, 11).map((r) => [cell(r, 'sun'), cell(r, 'moon')])).toEqual(new Array(10).fill(['1', '']));
    // escaped once by the shard (a formula guard), not twice by the merge
    expect(rows.slice(11).map((r) => [cell(r, 'sun'), cell(r, 'moon')])).toEqual(new Array(10).fill(['3', "'=2"]));
    expect(rows.slice(1).map((r) => cell(r, 'id'))).toEqual(ITEMS.slice(0, 20).map((i) => i.id));
  });

  test('with named columns, headers that differ are shards of another configuration: refused (exit 2), naming the shard', async () => {
    const a = path.join(dir, 'a.csv');
    const b = path.join(dir, 'b.csv');
    await writeWith(csv, { path: a, columns: ['id'] }, ITEMS.slice(0, 3).map(newEntry));
    await writeWith(csv, { path: b, columns: ['id', 'collection'] }, ITEMS.slice(3, 6).map(newEntry));
    const err = await prepareCsvMerge(target('csv', path.join(dir, 'm.csv'), { columns: ['id'] }), await inputs([a, b])).then(
      () => { throw new Error('merged'); },
      (e: unknown) => e as Error & { exitCode: number },
    );
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/b\.csv \(shard-0001-of-0002\): its header \(id,collection,failed\) is not that of .*a\.csv \(id,failed\)/);
  });
});

describe('GeoParquet shards', () => {
  test('one shard merged alone is the same file, byte for byte (the footer is rewritten exactly)', async () => {
    const a = path.join(dir, 'a.parquet');
    await writeWith(geoparquet, { path: a, collections: 'none', row_group_size: 7 }, ITEMS.map(newEntry));
    const merged = path.join(dir, 'm.parquet');
    const prepared = await prepareGeoparquetMerge(target('geoparquet', merged), await inputs([a]));
    expect(prepared.sameSchema).toBe(true);
    await prepared.write();
    expect(Buffer.compare(await readFile(merged), await readFile(a))).toBe(0);
  });

  test('schemas that differ: every row rewritten, nothing lost, read back as the items written', async () => {
    const a = path.join(dir, 'a.parquet');
    const b = path.join(dir, 'b.parquet');
    const extra = (item: (typeof ITEMS)[number]) => ({ ...item, properties: { ...item.properties, 'test:extra': 42 } });
    await writeWith(geoparquet, { path: a, collections: 'none' }, ITEMS.slice(0, 12).map(newEntry));
    await writeWith(geoparquet, { path: b, collections: 'none' }, ITEMS.slice(12).map((item) => withFields(newEntry(extra(item)), { sun: 7 })));
    const merged = path.join(dir, 'm.parquet');
    const prepared = await prepareGeoparquetMerge(target('geoparquet', merged, { row_group_size: 100 }), await inputs([a, b]));
    expect(prepared.sameSchema).toBe(false);
    const result = await prepared.write();
    expect(result.rows).toBe(ITEMS.length);
    const file = await openStacGeoparquet(merged);
    const items = [];
    for await (const group of file.groups()) if ('rows' in group) for (const row of group.rows) items.push(rowItem(row, file.schema));
    await file.close();
    expect(items.map((i) => i.id)).toEqual(ITEMS.map((i) => i.id));
    expect(items[0].properties['test:extra']).toBeUndefined();
    expect(items[20].properties['test:extra']).toBe(42);
    expect(items[20].properties['stacflow:sun']).toBe(7);
    expect(items[5].geometry).toEqual(ITEMS[5].geometry);
    expect(items[5].properties.datetime).toBe(ITEMS[5].properties.datetime);
    const count = await duckdb(`SELECT count(*) AS n, count("test:extra") AS extra FROM read_parquet('${merged}')`);
    expect(count).toEqual([{ n: String(ITEMS.length), extra: String(ITEMS.length - 12) }]);
    const geo = (await kvMetadata(merged)).geo;
    const xs = ITEMS.flatMap((item) => [item.bbox![0], item.bbox![2]]);
    expect([geo.columns.geometry.bbox[0], geo.columns.geometry.bbox[2]]).toEqual([Math.min(...xs), Math.max(...xs)]);
  });

  test('a shard with no rows does not make schemas differ: the others are copied', async () => {
    const a = path.join(dir, 'a.parquet');
    const empty = path.join(dir, 'empty.parquet');
    await writeWith(geoparquet, { path: a, collections: 'none' }, ITEMS.map(newEntry));
    await writeWith(geoparquet, { path: empty, collections: 'none' }, []);
    const prepared = await prepareGeoparquetMerge(target('geoparquet', path.join(dir, 'm.parquet')), await inputs([empty, a]));
    expect(prepared.sameSchema).toBe(true);
    expect((await prepared.write()).rows).toBe(ITEMS.length);
  });
});
