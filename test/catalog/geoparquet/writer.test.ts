import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import wkx from 'wkx';
import { newEntry, withFailure, withFields, withFile, type Entry, type StacItem } from '../../../src/entry.js';
import { GeoParquetWriter, SPILL_COLUMN } from '../../../src/catalog/geoparquet/writer.js';
import { instantMicros } from '../../../src/catalog/geoparquet/value-type.js';
import { duckdb, duckdbTypes, hyparquetRows, kvMetadata } from './read-back.js';

const fixture = (path: string) => JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8'));
const kaguya = (id: string): StacItem => fixture(`usgs/stac/item_kaguya_tc_monoscopic_${id}.json`);
const ctx: StacItem = fixture('usgs/stac/item_collection_ctx_dtm_P02_001820_1984__P06_003442_1987_2025-01.json').features[0];
const KAGUYA = ['TC1S2B0_01_07495N079E3030', 'TC1S2B0_01_07496N087E3020', 'TC1S2B0_01_07496N183E3021'].map(kaguya);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stacflow-geoparquet-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function write(entries: Entry[], options: { rowGroupSize?: number; collections?: Record<string, unknown> } = {}) {
  const path = join(dir, 'items.parquet');
  const counts: Record<string, number> = {};
  const writer = new GeoParquetWriter(path, {
    rowGroupSize: options.rowGroupSize ?? 10_000,
    includeFailed: true,
    count: (name) => void (counts[name] = (counts[name] ?? 0) + 1),
  });
  for (const entry of entries) await writer.write(entry);
  const rows = await writer.finish(options.collections);
  return { path, rows, counts };
}

/** The tutorial's entries: three real Kaguya TC items with selected fields, one downloaded, one failed. */
function tutorialEntries(): Entry[] {
  const [a, b, c] = KAGUYA.map((item, i) => withFields(newEntry(item), { incidence_angle: [62.64846899183, 62.548768944137, 70.5][i], caminfo: { Caminfo: {} } }));
  const downloaded = withFile(a, 'image', { path: '/data/kaguya/a.tif', bytes: 10, status: 'downloaded' });
  const failed = withFailure(c, { stage: 'fetch_label', code: 'ERR_HTTP', message: 'HTTP 404 for caminfo_pvl' });
  return [downloaded, b, failed, newEntry(ctx)];
}

describe('stac-geoparquet 1.1 from real USGS items', () => {
  test('DuckDB reads the columns with their Parquet types', async () => {
    const { path, rows } = await write(tutorialEntries());
    expect(rows).toBe(4);
    const types = await duckdbTypes(path);
    expect(Object.keys(types).slice(0, 8)).toEqual(['stac_extensions', 'id', 'geometry', 'bbox', 'links', 'assets', 'collection', 'stac_version']);
    expect(types).toMatchObject({
      stac_extensions: 'VARCHAR[]',
      id: 'VARCHAR',
      geometry: "GEOMETRY('OGC:CRS84')", // DuckDB read the geo metadata
      bbox: 'STRUCT(xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE)',
      datetime: 'TIMESTAMP WITH TIME ZONE',
      start_datetime: 'TIMESTAMP WITH TIME ZONE',
      created: 'TIMESTAMP WITH TIME ZONE',
      gsd: 'DOUBLE',
      'view:sun_elevation': 'DOUBLE',
      instruments: 'VARCHAR[]',
      'proj:transform': 'DOUBLE[]',
      'proj:projjson': 'JSON',
      'stacflow:incidence_angle': 'DOUBLE',
      'file:image': 'VARCHAR',
      'stacflow:failed': 'VARCHAR',
      [SPILL_COLUMN]: 'VARCHAR',
    });
    expect(types.links).toMatch(/^STRUCT\(.*href VARCHAR.*\)\[\]$/);
    expect(types.assets).toMatch(/^STRUCT\(.*image STRUCT\(.*href VARCHAR.*/);
    expect(types).not.toHaveProperty('stacflow:caminfo'); // a label document is no column
  });

  test('values read back by DuckDB: geometry (ST_AsText, decoded by wkx), microsecond timestamps, structs, fields', async () => {
    const entries = tutorialEntries();
    const { path } = await write(entries);
    const rows = await duckdb(`SELECT id, ST_AsText(geometry) AS wkt, bbox, epoch_us(start_datetime)::VARCHAR AS start_us, assets.image.href AS image,
      links[1].rel AS rel1, stac_extensions, "stacflow:incidence_angle" AS incidence, "file:image" AS file, "stacflow:failed" AS failed,
      "proj:projjson"->>'$.name' AS crs_name, "stacflow:spill" AS spill FROM read_parquet('${path}')`);
    expect(rows.map((r) => r.id)).toEqual(entries.map((e) => e.item.id));
    rows.forEach((row, i) => {
      const { item } = entries[i];
      expect(wkx.Geometry.parse(row.wkt as string).toGeoJSON()).toEqual(item.geometry);
      expect(row.bbox).toEqual({ xmin: item.bbox![0], ymin: item.bbox![1], xmax: item.bbox![2], ymax: item.bbox![3] });
      expect(row.start_us).toBe(String(instantMicros(item.properties.start_datetime as string)));
      expect(row.image).toBe(item.assets.image.href);
      expect(row.rel1).toBe(item.links![0].rel);
      expect(row.stac_extensions).toEqual(item.stac_extensions ?? []);
      expect(row.crs_name).toBe((item.properties['proj:projjson'] as { name: string }).name);
      expect(row.spill).toBeNull();
    });
    expect(String(rows[1].start_us).endsWith('305175')).toBe(true); // 2009-06-07T14:42:56.305175Z: every microsecond kept
    expect(rows.map((r) => r.incidence)).toEqual([62.64846899183, 62.548768944137, 70.5, null]);
    expect(rows.map((r) => r.file)).toEqual(['/data/kaguya/a.tif', null, null, null]);
    expect(rows.map((r) => r.failed)).toEqual([null, null, 'fetch_label: HTTP 404 for caminfo_pvl', null]);
  });

  test('hyparquet (a second reader) gets the same items back', async () => {
    const entries = tutorialEntries();
    const { path } = await write(entries);
    const rows = await hyparquetRows(path);
    expect(rows).toHaveLength(4);
    rows.forEach((row, i) => {
      const { item } = entries[i];
      expect(row.id).toBe(item.id);
      expect(row.geometry).toEqual(item.geometry); // hyparquet decodes the WKB itself, from the geo metadata
      expect(row.collection).toBe(item.collection);
      expect((row.datetime as Date).toISOString()).toBe(new Date(item.properties.datetime as string).toISOString());
      expect(row.assets.image.href).toBe(item.assets.image.href);
      expect(row.assets.image.roles).toEqual(item.assets.image.roles);
      expect(row.links.map((l: { href: string }) => l.href)).toEqual(item.links!.map((l) => l.href));
      expect(row.gsd).toBe(item.properties.gsd);
      expect(row['proj:projjson']).toEqual(item.properties['proj:projjson']); // JSON type: parsed by the reader
    });
  });

  test('the geo and stac-geoparquet metadata: versions, geometry types from the data, covering, valid against the schema', async () => {
    const collections = { [ctx.collection!]: { id: ctx.collection, type: 'Collection', stac_version: '1.0.0', description: 'CTX DTMs', license: 'CC0-1.0', links: [] } };
    const { path } = await write([...KAGUYA.map(newEntry), newEntry({ ...ctx, geometry: { type: 'Point', coordinates: [77.3, 18.2, -1500] } })], { collections });
    const meta = await kvMetadata(path);
    expect(meta.geo).toEqual({
      version: '1.1.0',
      primary_column: 'geometry',
      columns: {
        geometry: {
          encoding: 'WKB',
          geometry_types: ['Point Z', 'Polygon'],
          bbox: expect.any(Array),
          covering: { bbox: { xmin: ['bbox', 'xmin'], ymin: ['bbox', 'ymin'], xmax: ['bbox', 'xmax'], ymax: ['bbox', 'ymax'] } },
        },
      },
    });
    expect(meta.geo.columns.geometry).not.toHaveProperty('crs'); // omitted: OGC:CRS84
    const [xmin, ymin, xmax, ymax] = meta.geo.columns.geometry.bbox;
    expect(xmin).toBeLessThanOrEqual(Math.min(...KAGUYA.map((i) => i.bbox![0])));
    expect(xmax).toBeGreaterThanOrEqual(77.3);
    expect(ymin).toBeLessThan(ymax);
    expect(meta['stac-geoparquet']).toEqual({ version: '1.1.0', collections });

    const schema = fixture('stac-geoparquet/metadata.schema.json');
    const ajv = new Ajv({ strict: false });
    // The schema's `version` is const 1.0.0; its own spec text allows 1.1.0 too (see the fixture's PROVENANCE.md).
    const validate = ajv.compile({ ...schema, properties: { ...schema.properties, version: { enum: ['1.0.0', '1.1.0'] } } });
    expect(validate(meta['stac-geoparquet'])).toBe(true);
    expect(validate(fixture('stac-geoparquet/example-metadata.json'))).toBe(true);
    expect(validate({ version: '2.0.0', collections: {} })).toBe(false); // a validator that can fail
    expect(new Ajv({ strict: false }).compile(schema)({ ...meta['stac-geoparquet'], version: '1.0.0' })).toBe(true);
  });

  test('streamed in row groups of row_group_size', async () => {
    const entries = Array.from({ length: 23 }, (_, i) => newEntry({ ...KAGUYA[i % 3], id: `item-${i}` }));
    const { path, rows } = await write(entries, { rowGroupSize: 5 });
    expect(rows).toBe(23);
    const groups = await duckdb(`SELECT row_group_id, any_value(row_group_num_rows)::INTEGER AS n FROM parquet_metadata('${path}') GROUP BY ALL ORDER BY row_group_id`);
    expect(groups.map((g) => g.n)).toEqual([5, 5, 5, 5, 3]);
    expect((await duckdb(`SELECT count(DISTINCT id)::INTEGER AS n FROM read_parquet('${path}')`))[0].n).toBe(23);
  });

  test('no entries: a valid file with the required columns and no rows', async () => {
    const { path, rows } = await write([]);
    expect(rows).toBe(0);
    expect((await duckdb(`SELECT count(*)::INTEGER AS n FROM read_parquet('${path}')`))[0].n).toBe(0);
    expect(Object.keys(await duckdbTypes(path))).toEqual(expect.arrayContaining(['stac_extensions', 'id', 'geometry', 'bbox', 'links', 'assets']));
    expect((await kvMetadata(path)).geo.columns.geometry.geometry_types).toEqual([]);
  });
});

describe('the drift rule', () => {
  const withProps = (i: number, properties: Record<string, unknown>): Entry =>
    newEntry({ ...KAGUYA[0], id: `drift-${i}`, properties: { ...KAGUYA[0].properties, ...properties } });

  test('a type conflict in the first row group widens the column to string, counted once', async () => {
    const { path, counts } = await write([withProps(0, { gsd: 7.5 }), withProps(1, { gsd: 'about 7' }), withProps(2, { gsd: 8 })], { rowGroupSize: 3 });
    expect(counts).toEqual({ 'widened:gsd': 1 });
    expect((await duckdbTypes(path)).gsd).toBe('VARCHAR');
    expect((await duckdb(`SELECT gsd FROM read_parquet('${path}')`)).map((r) => r.gsd)).toEqual(['7.5', 'about 7', '8']);
  });

  test('after the first group, a new column or a value of another type is kept in the spill column, counted', async () => {
    const entries = [
      withProps(0, {}),
      withProps(1, {}),
      withProps(2, { late: 'first seen here' }), // a column the first group never had
      withProps(3, { 'view:sun_azimuth': 'north' }), // a double column given text
      withProps(4, { datetime: 'yesterday' }), // a timestamp column given what is no instant
    ];
    const { path, rows, counts } = await write(entries, { rowGroupSize: 2 });
    expect(rows).toBe(5);
    expect(counts).toEqual({ 'spilled:late': 1, 'spilled:view:sun_azimuth': 1, 'spilled:datetime': 1 });
    const read = await duckdb(`SELECT id, "view:sun_azimuth" AS az, datetime::VARCHAR AS dt, "stacflow:spill" AS spill FROM read_parquet('${path}')`);
    expect(read.map((r) => (r.spill === null ? null : JSON.parse(r.spill as string)))).toEqual([null, null, { late: 'first seen here' }, { 'view:sun_azimuth': 'north' }, { datetime: 'yesterday' }]);
    expect(read[3].az).toBeNull();
    expect(read[4].dt).toBeNull();
    expect(read[2].az).toBe(KAGUYA[0].properties['view:sun_azimuth']);
  });

  test('a property named like a top-level column is not lifted: it is spilled as properties.<name>', async () => {
    const { path, counts } = await write([withProps(0, { id: 'shadow' })]);
    expect(counts).toEqual({ 'spilled:properties.id': 1 });
    const [row] = await duckdb(`SELECT id, "stacflow:spill" AS spill FROM read_parquet('${path}')`);
    expect(row.id).toBe('drift-0');
    expect(JSON.parse(row.spill as string)).toEqual({ 'properties.id': 'shadow' });
  });

  test('assets that differ across items become one struct; later unknown assets are spilled whole', async () => {
    const a = newEntry({ ...KAGUYA[0], id: 'a' });
    const b = newEntry({ ...ctx, id: 'b' }); // other assets
    const c = newEntry({ ...KAGUYA[1], id: 'c', assets: { ...KAGUYA[1].assets, extra: { href: 's3://x/extra.tif' } } });
    const { path, counts } = await write([a, b, c], { rowGroupSize: 2 });
    expect(counts).toEqual({ 'spilled:assets': 1 });
    const rows = await duckdb(`SELECT assets.image.href AS image, assets.dtm.href AS dtm, "stacflow:spill" AS spill FROM read_parquet('${path}')`);
    expect(rows.map((r) => r.image)).toEqual([KAGUYA[0].assets.image.href, ctx.assets.image.href, KAGUYA[1].assets.image.href]);
    expect(rows.map((r) => r.dtm)).toEqual([null, ctx.assets.dtm.href, null]);
    expect(JSON.parse(rows[2].spill as string).assets.extra).toEqual({ href: 's3://x/extra.tif' });
  });
});
