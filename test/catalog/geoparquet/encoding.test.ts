import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEntry, type Entry, type StacItem } from '../../../src/entry.js';
import { instantMicros } from '../../../src/catalog/geoparquet/value-type.js';
import { readIsoInstant, epochMicros } from '../../../src/util/instant.js';
import { GeoParquetWriter } from '../../../src/catalog/geoparquet/writer.js';
import { duckdb, hyparquetRows } from './read-back.js';

/**
 * The writer's own column encoding (shredder.ts, leaf-column.ts): what it decides per column and row group
 * (dictionary or plain text, Snappy or not, min/max) read back by DuckDB and hyparquet, value for value.
 */
const base: StacItem = JSON.parse(readFileSync(new URL('../../fixtures/usgs/stac/item_kaguya_tc_monoscopic_TC1S2B0_01_07496N087E3020.json', import.meta.url), 'utf8'));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stacflow-geoparquet-encoding-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function write(entries: Entry[], rowGroupSize: number): Promise<string> {
  const path = join(dir, 'items.parquet');
  const writer = new GeoParquetWriter(path, { rowGroupSize, includeFailed: false, count: () => undefined });
  for (const entry of entries) await writer.write(entry);
  await writer.finish();
  return path;
}

/** Item i: a unique 24-vertex footprint and id, a few repeated values, properties sometimes missing or null. */
function item(i: number): StacItem {
  const x = -170 + ((i * 7.3) % 340);
  const y = -70 + ((i * 3.1) % 140);
  const ring = Array.from({ length: 24 }, (_, k) => [x + 0.4 * Math.cos(k / 3.8 + i), y + 0.7 * Math.sin(k / 3.8 + i)]);
  ring.push(ring[0]);
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  return {
    ...base,
    id: `item-${i}`,
    geometry: { type: 'Polygon', coordinates: [ring] },
    bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
    links: i % 5 === 0 ? [] : base.links,
    properties: {
      ...base.properties,
      datetime: new Date(Date.UTC(2008, 0, 1) + i * 61_000 + (i % 1000)).toISOString().replace('Z', `${i % 10}Z`), // four decimals
      gsd: i % 3 === 0 ? null : 7 + (i % 100) / 100,
      'proj:projjson': i % 400 < 200 ? base.properties['proj:projjson'] : { ...(base.properties['proj:projjson'] as object), name: `other ${i % 3}` },
      note: i % 7 === 0 ? undefined : `note ${i % 4}`,
    },
  };
}

test('1,200 items in row groups of 500: every value read back by hyparquet and DuckDB', async () => {
  const items = Array.from({ length: 1200 }, (_, i) => item(i));
  const path = await write(items.map(newEntry), 500);
  const rows = await hyparquetRows(path);
  expect(rows).toHaveLength(1200);
  rows.forEach((row, i) => {
    const it = items[i];
    expect(row.id).toBe(it.id);
    expect(row.geometry).toEqual(it.geometry);
    expect(row.bbox).toEqual({ xmin: it.bbox![0], ymin: it.bbox![1], xmax: it.bbox![2], ymax: it.bbox![3] });
    expect(row.links.map((l: { href: string }) => l.href)).toEqual((it.links ?? []).map((l) => l.href));
    expect(row.gsd).toBe(it.properties.gsd ?? null);
    expect(row.note).toBe(it.properties.note ?? null);
    expect(row['proj:projjson']).toEqual(it.properties['proj:projjson']);
    expect(row.assets.image.roles).toEqual(it.assets.image.roles);
  });
  const micros = await duckdb(`SELECT epoch_us(datetime)::VARCHAR AS us FROM read_parquet('${path}')`);
  expect(micros.map((r) => r.us)).toEqual(items.map((it) => String(instantMicros(it.properties.datetime as string))));
});

test('per column and group: varied text plain, repeated text a dictionary, incompressible bytes left uncompressed', async () => {
  const path = await write(Array.from({ length: 1200 }, (_, i) => newEntry(item(i))), 500);
  const chunks = await duckdb(`SELECT row_group_id::INTEGER AS g, path_in_schema AS p, encodings AS e, compression AS c FROM parquet_metadata('${path}')`);
  const chunk = (g: number, p: string) => chunks.find((c) => c.g === g && c.p === p)!;
  expect(chunk(0, 'id').e).not.toMatch(/DICTIONARY/); // every id differs
  expect(chunk(0, 'collection').e).toMatch(/DICTIONARY/);
  expect(chunk(1, 'proj:projjson').e).toMatch(/DICTIONARY/); // two documents, written as text twice
  expect(chunk(0, 'assets, image, href').c).toBe('SNAPPY'); // long shared prefixes
  expect(chunk(0, 'geometry').c).toBe('SNAPPY'); // tried in the first group...
  expect(chunk(1, 'geometry').c).toBe('UNCOMPRESSED'); // ...then not: random doubles do not shrink
});

test('min/max statistics of scalar columns, per row group, as DuckDB reads them', async () => {
  const items = Array.from({ length: 1200 }, (_, i) => item(i));
  const path = await write(items.map(newEntry), 500);
  const stats = await duckdb(`SELECT row_group_id::INTEGER AS g, path_in_schema AS p, stats_min_value AS lo, stats_max_value AS hi, stats_null_count::INTEGER AS nulls FROM parquet_metadata('${path}') WHERE path_in_schema IN ('gsd', 'id')`);
  const group1 = items.slice(500, 1000);
  const gsd = group1.map((it) => it.properties.gsd).filter((g): g is number => typeof g === 'number');
  const gsdStats = stats.find((s) => s.g === 1 && s.p === 'gsd')!;
  expect(Number(gsdStats.lo)).toBe(Math.min(...gsd));
  expect(Number(gsdStats.hi)).toBe(Math.max(...gsd));
  expect(gsdStats.nulls).toBe(group1.length - gsd.length);
  const ids = group1.map((it) => it.id).sort();
  expect(stats.find((s) => s.g === 1 && s.p === 'id')).toMatchObject({ lo: ids[0], hi: ids.at(-1), nulls: 0 });
});

test('instants: the fast reading of YYYY-MM-DDTHH:MM:SS[.ffffff]Z equals the general reader, other forms are left to it', () => {
  const general = (t: string): number | undefined => {
    const r = readIsoInstant(t);
    return r.ok && r.instant.hour !== undefined ? epochMicros(r.instant) : undefined;
  };
  const texts = [
    '2009-06-07T14:42:56.305175Z', '2009-06-07T14:42:56Z', '2009-06-07T14:42:56.3Z', '2024-02-29T23:59:59.999999Z', '1900-01-01T00:00:00Z',
    '2023-02-29T00:00:00Z', '2009-06-31T00:00:00Z', '2009-13-01T00:00:00Z', '2009-06-07T24:00:00Z', '2009-06-07T14:60:00Z',
    '2016-12-31T23:59:60Z', '2009-06-07T14:42:56.3051759Z', '2009-06-07t14:42:56Z', '2009-06-07T14:42:56z', '2009-06-07T14:42:56+02:00',
    '1899-12-31T23:59:59Z', '0099-01-01T00:00:00Z', '2009-06-07T14:42Z', '2009-06-07T14:42:56.Z', '2009-06-07T1a:42:56Z',
  ];
  for (const t of texts) expect([t, instantMicros(t)]).toEqual([t, general(t)]);
  expect(instantMicros('2023-02-29T00:00:00Z')).toBeUndefined();
  expect(instantMicros('2016-12-31T23:59:60Z')).toBe(Date.UTC(2017, 0, 1) * 1000); // a leap second: the general reader's rule
});

test('a geometry that is no WKB (a position of text) is spilled, and the rows around it keep theirs', async () => {
  const items = Array.from({ length: 6 }, (_, i) => item(i));
  const broken = { ...items[3], geometry: { type: 'Polygon', coordinates: [[[1, 2], ['east', 3], [1, 2]]] } };
  const path = await write([...items.slice(0, 3), broken, ...items.slice(4)].map(newEntry), 2);
  const rows = await hyparquetRows(path);
  expect(rows.map((r) => r.geometry)).toEqual([items[0].geometry, items[1].geometry, items[2].geometry, null, items[4].geometry, items[5].geometry]);
  expect(JSON.parse(rows[3]['stacflow:spill']).geometry).toEqual(broken.geometry);
});
