import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import wkx from 'wkx';
import type { StacItem } from '../../src/entry.js';
import { instantMicros } from '../../src/catalog/geoparquet/value-type.js';
import { boundsOf, type GeoJsonGeometry } from '../../src/catalog/geoparquet/wkb.js';
import { readItemFile } from '../../src/catalog/item-file-reader.js';
import { compileCql2, parseCql2Text } from '../../src/fields/cql2/index.js';
import { newEntry, withFailure, withFields, withFile } from '../../src/entry.js';
import { catalogItem } from '../../src/catalog/catalog-item.js';
import { GeoParquetWriter } from '../../src/catalog/geoparquet/writer.js';
import { evaluationCases } from '../fields/cql2/corpus.js';
import { runBin } from '../cli/run-bin.js';
import { duckdb, hyparquetRows } from './geoparquet/read-back.js';
import { kaguyaItems, readLines, runYaml, tempDir, writeNdjson } from './catalog-run.js';

// `items` reads stac-geoparquet: what the geoparquet output wrote comes back as the items it was given.

const fixture = (file: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8'));
const usgsItems = (): StacItem[] => [
  ...kaguyaItems(),
  ...(fixture('usgs/stac/item_collection_ctx_dtm_P02_001820_1984__P06_003442_1987_2025-01.json') as { features: StacItem[] }).features,
];
const corpusItems = (): StacItem[] =>
  readFileSync(new URL('../fixtures/cql2-corpus/items.ndjson', import.meta.url), 'utf8').trim().split('\n').map((line) => JSON.parse(line));

let dir: string;
beforeEach(async () => {
  dir = await tempDir('item-geoparquet');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/**
 * NDJSON → the geoparquet output (a run of the real stages). `collections: {}`: the Collection JSON is not
 * read from the API the items link (offline), which does not change the rows.
 */
async function writeParquet(items: readonly unknown[], options = ''): Promise<string> {
  const input = await writeNdjson(path.join(dir, 'in.ndjson'), items);
  const parquet = path.join(dir, 'catalog.parquet');
  const { exitCode } = await runYaml(`name: w\nsource: { items: { path: ${input} } }\noutputs:\n  - geoparquet: { path: ${parquet}, collections: {}${options} }\n`, dir);
  expect(exitCode).toBe(0);
  return parquet;
}

/** stac-geoparquet → items → the ndjson output: the items a pipeline over the saved catalog sees. */
async function readBack(parquet: string) {
  const out = path.join(dir, 'back.ndjson');
  const run = await runYaml(`name: r\nsource: { items: { path: ${parquet} } }\noutputs:\n  - ndjson: { path: ${out} }\n`, dir);
  const lines = existsSync(out) ? await readLines(out) : []; // a run that ends at open writes no catalog
  return { ...run, items: lines.map((line) => JSON.parse(line) as StacItem) };
}

/**
 * The datetimes as instants: Parquet keeps the instant (microseconds), not its text; `.000000Z` comes back `Z`,
 * and every other form of the fixtures comes back as it was (asserted apart below).
 */
const DATETIMES = ['datetime', 'start_datetime', 'end_datetime', 'created', 'updated'];
function asInstants(item: StacItem): StacItem {
  const properties = { ...item.properties };
  for (const name of DATETIMES) if (typeof properties[name] === 'string') properties[name] = instantMicros(properties[name] as string);
  return { ...item, properties };
}

describe('round trip: NDJSON → geoparquet output → items → ndjson output', () => {
  test('the real USGS items (3 Kaguya TC, the CTX DTM collection\'s) come back equal', async () => {
    const input = usgsItems();
    const { exitCode, items, report } = await readBack(await writeParquet(input));
    expect(exitCode).toBe(0);
    expect(report.stages[0]).toMatchObject({ label: 'items', out: input.length, counters: { read: input.length } });
    expect(items.map(asInstants)).toEqual(input.map(asInstants));
    // The text of the datetimes too, but `2023-04-18T12:00:00.000000Z` (the CTX item's), which is the instant `…12:00:00Z`.
    const texts = (list: StacItem[]) => list.flatMap((item) => DATETIMES.map((name) => item.properties[name]));
    const changed = texts(input).flatMap((text, i) => (text === texts(items)[i] ? [] : [[text, texts(items)[i]]]));
    expect(changed).toEqual([
      ['2023-04-18T12:00:00.000000Z', '2023-04-18T12:00:00Z'],
      ['2023-04-18T12:00:00.000000Z', '2023-04-18T12:00:00Z'],
    ]);
    expect(items[0].properties['proj:epsg']).toBeNull(); // a null with a meaning in projection v1.0, kept
  });

  test('the CQL2 corpus items come back equal, with the bbox the writer adds (their geometry\'s bounds)', async () => {
    const input = corpusItems();
    const { exitCode, items } = await readBack(await writeParquet(input));
    expect(exitCode).toBe(0);
    for (const item of items) {
      expect(item.bbox).toEqual(boundsOf(item.geometry as GeoJsonGeometry)); // STAC asks for one; the writer derives it
      delete item.bbox;
    }
    // nfield: null in 25 items, absent in 52: Parquet holds both as null, read as absent.
    const withoutNullField = input.map((item) => {
      const { nfield, ...properties } = item.properties;
      return nfield === null ? { ...item, properties } : item;
    });
    expect(items).toEqual(withoutNullField);
  });

  test('every case of the CQL2 evaluation table selects the same ids from the stac-geoparquet file', async () => {
    const parquet = await writeParquet(corpusItems());
    const records = [];
    for await (const batch of readItemFile({ path: parquet, file: parquet, format: 'parquet', maxItemBytes: 1 << 20 })) records.push(...batch);
    expect(records.filter((record) => !('item' in record))).toEqual([]);
    const entries = records.flatMap((record) => ('item' in record ? [newEntry(record.item)] : []));
    const wrong = evaluationCases().filter((c) => {
      const keep = compileCql2(parseCql2Text(c.expression, `evaluation.tsv:${c.line}`));
      return entries.filter(keep).map((e) => e.item.id).join(' ') !== c.ids.join(' ');
    });
    expect(wrong.map((c) => c.expression)).toEqual([]);
    expect(evaluationCases().length).toBe(81);
  });
});

describe('a stac-geoparquet file another writer made, per the spec (DuckDB, with the `geo` metadata by hand)', () => {
  test('reads back to the STAC Item it describes: WKB, bbox struct, timestamps, integers, dates, JSON, links, assets', async () => {
    const file = path.join(dir, 'spec.parquet');
    const polygon = { type: 'Polygon', coordinates: [[[1, 2], [3, 2], [3, 4], [1, 2]]] };
    const footprint = { type: 'Point', coordinates: [500000, 4000000] };
    const hex = (geometry: unknown) => wkx.Geometry.parseGeoJSON(geometry).toWkb().toString('hex');
    const geo = { version: '1.1.0', primary_column: 'geometry', columns: { geometry: { encoding: 'WKB', geometry_types: ['Polygon'] }, 'proj:geometry': { encoding: 'WKB', geometry_types: ['Point'] } } };
    const stacGeoparquet = { version: '1.1.0', collections: {} };
    await duckdb(`COPY (SELECT 'Feature' AS type, '1.1.0' AS stac_version, ['https://stac-extensions.github.io/projection/v2.0.0/schema.json'] AS stac_extensions,
        'spec-item' AS id, from_hex('${hex(polygon)}') AS geometry,
        {'xmin': 1.0::DOUBLE, 'ymin': 2.0::DOUBLE, 'xmax': 3.0::DOUBLE, 'ymax': 4.0::DOUBLE} AS bbox,
        [{'rel': 'self', 'href': 'https://example.com/spec-item.json', 'type': 'application/geo+json', 'title': NULL}] AS links,
        {'data': {'href': 's3://bucket/a.tif', 'type': 'image/tiff', 'roles': ['data'], 'title': NULL}, 'thumbnail': NULL} AS assets,
        'a-collection' AS collection,
        TIMESTAMPTZ '2020-01-02 03:04:05.123456+00' AS datetime, TIMESTAMPTZ '2021-06-01 00:00:00+00' AS created,
        32633::BIGINT AS "proj:epsg", 7::INTEGER AS "eo:count", 12.5::DOUBLE AS gsd, DATE '2020-01-02' AS "acquisition_day",
        '{"name": "WGS 84 / UTM 33N", "id": null}'::JSON AS "proj:projjson", from_hex('${hex(footprint)}') AS "proj:geometry",
        NULL::VARCHAR AS "eo:cloud_cover")
      TO '${file}' (FORMAT parquet, KV_METADATA {geo: '${JSON.stringify(geo)}', 'stac-geoparquet': '${JSON.stringify(stacGeoparquet)}'})`);
    const { exitCode, items } = await readBack(file);
    expect(exitCode).toBe(0);
    expect(items).toEqual([
      {
        type: 'Feature',
        stac_version: '1.1.0',
        stac_extensions: ['https://stac-extensions.github.io/projection/v2.0.0/schema.json'],
        id: 'spec-item',
        geometry: polygon,
        bbox: [1, 2, 3, 4],
        properties: {
          datetime: '2020-01-02T03:04:05.123456Z',
          created: '2021-06-01T00:00:00Z',
          'proj:epsg': 32633,
          'eo:count': 7,
          gsd: 12.5,
          acquisition_day: '2020-01-02',
          'proj:projjson': { name: 'WGS 84 / UTM 33N', id: null }, // JSON keeps its nulls
          'proj:geometry': footprint,
        },
        links: [{ rel: 'self', href: 'https://example.com/spec-item.json', type: 'application/geo+json' }],
        assets: { data: { href: 's3://bucket/a.tif', type: 'image/tiff', roles: ['data'] } },
        collection: 'a-collection',
      },
    ]);
  });

  test('a file with the spec\'s example metadata (the spec has no example data file) and a row of nulls: the bare item', async () => {
    // The spec folder holds example-metadata.json and its schema, no Parquet file: this file carries that metadata.
    const file = path.join(dir, 'example.parquet');
    const metadata = readFileSync(new URL('../fixtures/stac-geoparquet/example-metadata.json', import.meta.url), 'utf8').replaceAll("'", "''");
    const geo = JSON.stringify({ version: '1.1.0', primary_column: 'geometry', columns: { geometry: { encoding: 'WKB', geometry_types: [] } } });
    await duckdb(`COPY (SELECT [] :: VARCHAR[] AS stac_extensions, 'x' AS id, NULL::BLOB AS geometry, NULL::STRUCT(xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE) AS bbox,
        []::STRUCT(rel VARCHAR, href VARCHAR)[] AS links, NULL::STRUCT(data STRUCT(href VARCHAR)) AS assets, NULL::TIMESTAMPTZ AS datetime)
      TO '${file}' (FORMAT parquet, KV_METADATA {geo: '${geo}', 'stac-geoparquet': '${metadata.replace(/\n\s*/g, ' ')}'})`);
    const { exitCode, items } = await readBack(file);
    expect(exitCode).toBe(0);
    expect(items).toEqual([{ type: 'Feature', id: 'x', geometry: null, properties: {}, links: [], assets: {} }]);
  });
});

describe('a file that is not stac-geoparquet ends the run at open; a row that gives no item fails alone', () => {
  const failsAtOpen = async (file: string, message: RegExp) => {
    const { exitCode, report } = await readBack(file);
    expect(exitCode).toBe(1);
    expect(report.error).toMatchObject({ code: 'ERR_ITEMS_FILE', message: expect.stringMatching(message) });
  };

  test('not Parquet, cut short, Parquet without `geo` metadata, a GeoArrow geometry', async () => {
    const text = await writeNdjson(path.join(dir, 'text.parquet'), usgsItems());
    await failsAtOpen(text, new RegExp(`^cannot read items from ${text}: not a Parquet file: it does not start with PAR1`));
    const parquet = await writeParquet(usgsItems());
    const cut = path.join(dir, 'cut.parquet');
    await writeFile(cut, (await readFile(parquet)).subarray(0, 5000));
    await failsAtOpen(cut, /: not a whole Parquet file: it does not end with PAR1 \(cut short\?\)$/);
    const plain = path.join(dir, 'plain.parquet');
    await duckdb(`COPY (SELECT 'a' AS id) TO '${plain}' (FORMAT parquet)`);
    await failsAtOpen(plain, /: a Parquet file but not stac-geoparquet: no `geo` file metadata \(GeoParquet\)$/);
    const geoarrow = path.join(dir, 'geoarrow.parquet');
    const geo = JSON.stringify({ version: '1.1.0', primary_column: 'geometry', columns: { geometry: { encoding: 'point', geometry_types: ['Point'] } } });
    await duckdb(`COPY (SELECT 'a' AS id, {'x': 1.0::DOUBLE, 'y': 2.0::DOUBLE} AS geometry) TO '${geoarrow}' (FORMAT parquet, KV_METADATA {geo: '${geo}'})`);
    await failsAtOpen(geoarrow, /: geometry column geometry is encoded as "point": only WKB is read \(GeoArrow encodings are not\)$/);
  });

  test('a bad WKB geometry, a spill that is not JSON, a row without id: each fails its row (file:row N), the others flow (exit 3)', async () => {
    const file = path.join(dir, 'rows.parquet');
    const point = wkx.Geometry.parseGeoJSON({ type: 'Point', coordinates: [1, 2] }).toWkb().toString('hex');
    const geo = JSON.stringify({ version: '1.1.0', primary_column: 'geometry', columns: { geometry: { encoding: 'WKB', geometry_types: ['Point'] } } });
    await duckdb(`COPY (SELECT * FROM (VALUES
        ('ok-1', from_hex('${point}'), NULL), ('bad-wkb', from_hex('01ff000000'), NULL), ('bad-spill', from_hex('${point}'), '{oops'),
        (NULL, from_hex('${point}'), NULL), ('ok-2', from_hex('${point}'), '{"gsd": 5, "type": "stereo"}')) AS t(id, geometry, "stacflow:spill"))
      TO '${file}' (FORMAT parquet, KV_METADATA {geo: '${geo}'})`);
    const { exitCode, items, report } = await readBack(file);
    expect(exitCode).toBe(3);
    expect(items.filter((item) => !('stacflow:failures' in item.properties)).map((item) => [item.id, item.properties])).toEqual([['ok-1', {}], ['ok-2', { gsd: 5, type: 'stereo' }]]); // a spilled `type` is a property
    expect(report.failures).toEqual([
      { stage: 'items', code: 'ERR_ITEM_INVALID', item: 'bad-wkb', message: `${file}:row 2: geometry: not a WKB geometry (unknown WKB geometry type 255 at offset 1)` },
      { stage: 'items', code: 'ERR_ITEM_INVALID', item: 'bad-spill', message: expect.stringMatching(new RegExp(`^${file}:row 3: stacflow:spill: not JSON \\(`)) },
      { stage: 'items', code: 'ERR_ITEM_INVALID', item: 'rows.parquet:row 4', message: `${file}:row 4: not a STAC Item: "id" must be a non-empty string` },
    ]);
  });

  test('a row group that does not decode fails each of its rows, naming them; the groups around it are read', async () => {
    const input = Array.from({ length: 6 }, (_, i) => ({ ...corpusItems()[i], id: `item-${i}` }));
    const parquet = await writeParquet(input, ', row_group_size: 2');
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(parquet));
    expect(metadata.row_groups).toHaveLength(3);
    const bytes = await readFile(parquet);
    const page = Number(metadata.row_groups[1].columns[1].meta_data!.data_page_offset); // the `id` column of rows 3 and 4
    bytes.fill(0xff, page, page + 12);
    const broken = path.join(dir, 'broken.parquet');
    await writeFile(broken, bytes);
    const { exitCode, items, report } = await readBack(broken);
    expect(exitCode).toBe(3);
    expect(items.filter((item) => !('stacflow:failures' in item.properties)).map((item) => item.id)).toEqual(['item-0', 'item-1', 'item-4', 'item-5']);
    expect(report.failures).toEqual([3, 4].map((row) => ({
      stage: 'items',
      code: 'ERR_ITEM_PARQUET',
      item: `broken.parquet:row ${row}`,
      message: expect.stringMatching(new RegExp(`^${broken}:row ${row}: its row group \\(rows 3–4\\) does not decode: `)),
    })));
  });
});

describe('stacflow\'s own columns come back as the ndjson output writes the same entry', () => {
  test('selected fields, a local copy, a failure: as catalog-item.ts writes them (less what Parquet does not hold)', async () => {
    const [a, b, c] = kaguyaItems();
    const selected = withFields(newEntry(a), { incidence_angle: 62.5, start: new Date('2009-06-07T12:50:47.869Z'), caminfo: { Caminfo: {} } });
    const downloaded = withFile(withFields(newEntry(b), { incidence_angle: 70 }), 'image', { path: '/data/b.tif', bytes: 10, checksum: '1220ab', status: 'downloaded' });
    const failed = withFailure(newEntry({ ...c, properties: { ...c.properties, 'file:checksum': 'a property, not a copy' } }), { stage: 'fetch_label', code: 'ERR_HTTP', message: 'HTTP 404 for caminfo_pvl' });
    const entries = [selected, downloaded, failed];
    const parquet = path.join(dir, 'entries.parquet');
    const writer = new GeoParquetWriter(parquet, { rowGroupSize: 100, includeFailed: true, count: () => {} });
    for (const entry of entries) await writer.write(entry);
    await writer.finish();
    const read = [];
    for await (const batch of readItemFile({ path: parquet, file: parquet, format: 'parquet', maxItemBytes: 1 << 20 })) read.push(...batch);
    // The ndjson output's items, less what the Parquet row does not hold: a copy's size and checksum (its path
    // only), a failure's code (`stacflow:failed` is its `stage: message` text).
    const expected = entries.map((entry) => {
      const item = catalogItem(entry);
      const { 'stacflow:failures': failures, ...properties } = item.properties;
      const assets = Object.fromEntries(Object.entries(item.assets).map(([key, { 'file:size': _size, 'file:checksum': _sum, ...asset }]) => [key, asset]));
      return asInstants({ ...item, properties: { ...properties, ...(failures ? { 'stacflow:failed': 'fetch_label: HTTP 404 for caminfo_pvl' } : {}) }, assets });
    });
    expect(read.map((record) => ('item' in record ? asInstants(record.item) : record))).toEqual(expected);
    expect(read.map((record) => ('item' in record ? record.item.properties['stacflow:start'] : undefined))).toEqual(['2009-06-07T12:50:47.869Z', undefined, undefined]);
    expect(expected[1].assets.image['file:local_path']).toBe('/data/b.tif');
    expect(expected[2].properties['file:checksum']).toBe('a property, not a copy'); // no asset `checksum`: a property
  });

  test('drifted rows (the writer\'s stacflow:spill) are merged back: the items equal what was written', async () => {
    const [k1, k2, c] = kaguyaItems();
    // A property named `type` is lifted as any other (stacflow's writer has no item `type` column).
    const [a, b] = [k1, k2].map((item) => ({ ...item, properties: { ...item.properties, type: 'monoscopic' } }));
    const drifted: StacItem = {
      ...c,
      id: 'drifted',
      properties: { ...c.properties, gsd: 'seven metres', sun: { azimuth: 120 }, id: 'a property named id', datetime: 'not a date', type: 'stereo' },
      assets: { ...c.assets, image: { ...c.assets.image, 'raster:scale': 2 }, extra: { href: 'https://example.com/extra.tif' } },
    };
    const input = [a, b, drifted, { ...c, id: 'after' }];
    const parquet = await writeParquet(input, ', row_group_size: 2');
    // The rows the first group did not shape went to the spill: the test reads what it means to read.
    const spills = (await hyparquetRows(parquet)).map((row) => (row['stacflow:spill'] === null || row['stacflow:spill'] === undefined ? null : Object.keys(JSON.parse(row['stacflow:spill'])).sort()));
    expect(spills).toEqual([null, null, ['assets', 'datetime', 'gsd', 'properties.id', 'sun'], null]);
    const { exitCode, items } = await readBack(parquet);
    expect(exitCode).toBe(0);
    expect(items.map(asInstants)).toEqual(input.map(asInstants));
    expect(items[2].properties.datetime).toBe('not a date'); // spilled as it was: no timestamp holds it
  });
});

describe('stacflow cql2 --items FILE.parquet (the bin, built), through the same reader', () => {
  test('prints the ids the NDJSON gives; a row that gives no item is said on stderr with file:row N (exit 3); not Parquet: exit 1', async () => {
    const expression = 'intfield > 100 AND intfield <= 103 OR nfield IS NULL AND intfield < 4';
    const ndjson = await runBin('stacflow', ['cql2', expression, '--items', fileURLToPath(new URL('../fixtures/cql2-corpus/items.ndjson', import.meta.url))]);
    expect(ndjson).toMatchObject({ code: 0, stdout: '1\n2\n3\n101\n102\n103\n' });
    const parquet = await writeParquet(corpusItems());
    expect(await runBin('stacflow', ['cql2', expression, '--items', parquet])).toMatchObject({ code: 0, stdout: ndjson.stdout, stderr: '' });

    const rows = path.join(dir, 'rows.parquet');
    const geo = JSON.stringify({ version: '1.1.0', primary_column: 'geometry', columns: { geometry: { encoding: 'WKB', geometry_types: [] } } });
    await duckdb(`COPY (SELECT *, NULL::BLOB AS geometry FROM (VALUES ('a', 1), (NULL, 2), ('c', 3)) AS t(id, intfield)) TO '${rows}' (FORMAT parquet, KV_METADATA {geo: '${geo}'})`);
    expect(await runBin('stacflow', ['cql2', 'intfield >= 2', '--items', rows])).toMatchObject({
      code: 3,
      stdout: 'c\n',
      stderr: `${rows}:row 2: not a STAC Item: "id" must be a non-empty string\n`,
    });
    const text = await writeNdjson(path.join(dir, 'text.parquet'), corpusItems());
    const refused = await runBin('stacflow', ['cql2', 'intfield >= 2', '--items', text]);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toContain(`ERR_ITEMS_FILE: cannot read items from ${text}: not a Parquet file: it does not start with PAR1`);
  }, 60_000);
});
