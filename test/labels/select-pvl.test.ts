import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { parse as parseCsv } from 'csv-parse/sync';
import { csv, csvOptions } from '../../operators/csv.js';
import { filter, filterOptions } from '../../operators/filter.js';
import { select, selectOptions } from '../../operators/select.js';
import { newEntry, withFields, type Entry, type StacItem } from '../../src/entry.js';
import { compileFieldPath } from '../../src/fields/field-path.js';
import { parsePvl } from '../../src/pvl/index.js';
import { stepOf, testContext } from '../helpers/context.js';

// What fetch_label leaves in an entry, read by field paths: real caminfo labels, parsed by the real parser.
const FIXTURES = new URL('../fixtures/usgs/', import.meta.url);
const ID = 'TC1S2B0_01_07496N087E3020';
const item: StacItem = JSON.parse(readFileSync(new URL(`stac/item_kaguya_tc_monoscopic_${ID}.json`, FIXTURES), 'utf8'));
const label = (file: string) => parsePvl(readFileSync(new URL(file, FIXTURES), 'utf8'), { source: file });
const real = withFields(newEntry(item), { caminfo: label(`caminfo/${ID}.caminfo.pvl`) });
// The same label with Geometry values NULL, as ISIS writes uncomputable values (fixtures/usgs/SOURCES.md).
const nulls = withFields(newEntry({ ...item, id: `${ID}-null` }), { caminfo: label('synthesized/caminfo_geometry_NULL_values_variant.pvl') });

const ANGLES = {
  incidence_angle: 'caminfo.Caminfo.Geometry.IncidenceAngle',
  emission_angle: 'caminfo.Caminfo.Geometry.EmissionAngle',
  phase_angle: 'caminfo.Caminfo.Geometry.PhaseAngle',
};

async function through(entries: Entry[], ...stages: Array<(ctx: ReturnType<typeof testContext>) => ReturnType<typeof stepOf>>): Promise<Entry[]> {
  const ctx = testContext('t');
  return lastValueFrom(stages.reduce((stream, stage) => stream.pipe(stage(ctx)), from(entries)).pipe(toArray()));
}

describe('field paths into a PVL label', () => {
  it('read a number by its keys', () => {
    expect(compileFieldPath('caminfo.Caminfo.Geometry.IncidenceAngle')(real)).toBe(62.64846899183);
  });

  it('match keys ignoring case, as PVL does', () => {
    expect(compileFieldPath('CAMINFO.caminfo.geometry.incidenceangle')(real)).toBe(62.64846899183);
  });

  it('read a value with units as its number, and its units with @units', () => {
    expect(compileFieldPath('caminfo.Caminfo.Polygon.SurfaceArea')(real)).toBe(1165.0569762967);
    expect(compileFieldPath('caminfo.Caminfo.Polygon.SurfaceArea@units')(real)).toBe('km^2');
    expect(compileFieldPath('caminfo.Caminfo.Polygon.Mapping.EquatorialRadius@units')(real)).toBe('meters');
    expect(compileFieldPath('caminfo.Caminfo.Geometry.IncidenceAngle@units')(real)).toBeUndefined();
  });

  it('read strings, integers, booleans and date-times as plain values', () => {
    expect(compileFieldPath('caminfo.Caminfo.Geometry.Target')(real)).toBe('MOON');
    expect(compileFieldPath('caminfo.Caminfo.Parameters.Lines')(real)).toBe(4656);
    expect(compileFieldPath('caminfo.Caminfo.Geometry.HasNorthPole')(real)).toBe(false);
    expect(compileFieldPath('caminfo.Caminfo.Geometry.StartTime')(real)).toBe('2009-06-07T14:42:56.3051759');
  });

  it('read NULL as null, and a missing key as undefined', () => {
    expect(compileFieldPath('caminfo.Caminfo.Geometry.IncidenceAngle')(nulls)).toBeNull();
    expect(compileFieldPath('caminfo.Caminfo.Geometry.NoSuchAngle')(real)).toBeUndefined();
    expect(compileFieldPath('caminfo.Caminfo.NoSuchObject.IncidenceAngle')(real)).toBeUndefined();
  });
});

describe('select and filter on PVL values', () => {
  it('select gives the angles as numbers', async () => {
    const [entry] = await through([real], (ctx) => stepOf(select, selectOptions.parse(ANGLES), ctx));
    expect(entry.fields).toMatchObject({ incidence_angle: 62.64846899183, emission_angle: 17.576404673607, phase_angle: 62.175500784804 });
  });

  it('select gives null for NULL, and `incidence_angle < 80` does not keep it', async () => {
    const out = await through(
      [real, nulls],
      (ctx) => stepOf(select, selectOptions.parse(ANGLES), ctx),
      (ctx) => stepOf(filter, filterOptions.parse('incidence_angle < 80'), ctx),
    );
    expect(out.map((e) => e.item.id)).toEqual([ID]);
    const [selectedNull] = await through([nulls], (ctx) => stepOf(select, selectOptions.parse(ANGLES), ctx));
    expect(selectedNull.fields).toMatchObject({ incidence_angle: null, emission_angle: null, phase_angle: null });
  });

  it('a NULL angle is an empty CSV cell; the document itself is not a column', async () => {
    const selected = await through([real, nulls], (ctx) => stepOf(select, selectOptions.parse(ANGLES), ctx));
    const path = join(mkdtempSync(join(tmpdir(), 'stacflow-pvl-csv-')), 'angles.csv');
    const sink = await csv.create(csvOptions.parse({ path }), testContext('csv'));
    for (const entry of selected) await sink.write(entry);
    await sink.finish();
    const rows = parseCsv(readFileSync(path, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0])).not.toContain('caminfo');
    expect(rows.map((r) => [r.id, r.incidence_angle, r.emission_angle])).toEqual([
      [ID, '62.64846899183', '17.576404673607'],
      [`${ID}-null`, '', ''],
    ]);
  });
});
