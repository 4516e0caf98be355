import { readFileSync } from 'node:fs';
import { newEntry, withFields, type Entry, type StacItem } from '../../../src/entry.js';
import { compileCql2, Cql2Error, parseCql2Json, parseCql2Text, propertiesOf } from '../../../src/fields/cql2/index.js';
import { parsePvl } from '../../../src/pvl/index.js';

// A real Kaguya item and its caminfo label (test/fixtures/usgs), as fetch_label and select leave them.
const fixture = (path: string) => readFileSync(new URL(`../../fixtures/usgs/${path}`, import.meta.url), 'utf8');
const item: StacItem = JSON.parse(fixture('stac/item_kaguya_tc_monoscopic_TC1S2B0_01_07496N087E3020.json'));
const label = parsePvl(fixture('caminfo/TC1S2B0_01_07496N087E3020.caminfo.pvl'));
const entry: Entry = withFields(newEntry(item), { caminfo: label, incidence_angle: 62.5, tags: ['a', 'B'] });

const keeps = (text: string, on: Entry = entry): boolean => compileCql2(parseCql2Text(text))(on);

describe('compileCql2 on a Kaguya entry', () => {
  it('reads item members, properties, selected fields and label keys (any case)', () => {
    expect(keeps("id = 'TC1S2B0_01_07496N087E3020' AND collection LIKE 'kaguya%'")).toBe(true);
    expect(keeps('gsd > 7.6 AND gsd < 7.7')).toBe(true);
    expect(keeps('incidence_angle = 62.5')).toBe(true);
    expect(keeps('caminfo.Caminfo.Geometry.IncidenceAngle BETWEEN 62.6 AND 62.7')).toBe(true);
    expect(keeps('caminfo.caminfo.geometry.incidenceangle > 63')).toBe(false);
  });

  it('compares string date-times (a property, a label value) as instants with DATE and TIMESTAMP', () => {
    expect(keeps("start_datetime >= TIMESTAMP('2009-06-07T14:42:56Z') AND start_datetime < DATE('2009-06-08')")).toBe(true);
    expect(keeps("T_DURING(INTERVAL(start_datetime, end_datetime), INTERVAL('2009-06-07', '..'))")).toBe(true);
    expect(keeps("caminfo.Caminfo.Geometry.StartTime > TIMESTAMP('2009-06-07T14:42:56Z')")).toBe(true);
    expect(keeps("caminfo.Caminfo.Geometry.StartTime > TIMESTAMP('2009-06-07T14:42:57Z')")).toBe(false);
    // As strings, without a DATE or TIMESTAMP, they compare as text.
    expect(keeps("start_datetime > '2009'")).toBe(true);
  });

  it('never keeps an entry on a missing or null value, except IS NULL', () => {
    expect(keeps('incidence_angel < 80')).toBe(false);
    expect(keeps('NOT incidence_angel < 80')).toBe(false);
    expect(keeps('incidence_angel IS NULL AND "proj:epsg" IS NULL')).toBe(true);
    expect(keeps('incidence_angel < 80 OR gsd < 10')).toBe(true);
    expect(keeps('NOT (incidence_angel < 80 AND gsd > 10)')).toBe(true);
  });

  it('does not compare values of different types', () => {
    expect(keeps("gsd = '7.6508919736877'")).toBe(false);
    expect(keeps("gsd <> '7.6508919736877'")).toBe(false);
  });

  it('evaluates CASEI, ACCENTI and the array functions on selected fields', () => {
    expect(keeps("CASEI(id) = CASEI('tc1s2b0_01_07496n087e3020')")).toBe(true);
    expect(keeps("ACCENTI(CASEI('Éclair')) = 'eclair'")).toBe(true);
    expect(keeps("A_CONTAINS(tags, ('B'))")).toBe(false); // ('B') is a parenthesised string, not an array
    expect(keeps("A_CONTAINS(tags, ('B', 'a'))")).toBe(true);
    expect(keeps("A_OVERLAPS(CASEI(tags), ('b', 'z'))")).toBe(true);
  });

  it('tests the item footprint against WKT, bbox and GeoJSON literals', () => {
    // The item's footprint lies within lon -58.44 to -57.60, lat 7.95 to 9.51.
    expect(keeps('S_INTERSECTS(geometry, BBOX(-60, 0, -50, 30))')).toBe(true);
    expect(keeps('S_WITHIN(geometry, BBOX(-60, 0, -50, 30))')).toBe(true);
    expect(keeps('S_DISJOINT(geometry, POINT(0 0))')).toBe(true);
    const json = { op: 's_contains', args: [{ bbox: [-60, 0, -50, 30] }, { property: 'geometry' }] };
    expect(compileCql2(parseCql2Json(json))(entry)).toBe(true);
  });

  it('relates a geometry on the edge of a box by its matrix, not by the inside-the-box shortcut', () => {
    const edge = 'LINESTRING(0 0, 1 0)';
    expect(keeps(`S_WITHIN(${edge}, BBOX(0, 0, 2, 2))`)).toBe(false);
    expect(keeps(`S_TOUCHES(${edge}, BBOX(0, 0, 2, 2))`)).toBe(true);
    expect(keeps('S_WITHIN(LINESTRING(0.5 0.5, 1 1), BBOX(0, 0, 2, 2)) AND S_CONTAINS(BBOX(0, 0, 2, 2), POINT(1 1))')).toBe(true);
    expect(keeps('S_CROSSES(LINESTRING(-1 1, 3 1), BBOX(0, 0, 2, 2)) AND S_OVERLAPS(BBOX(1, 1, 3, 3), BBOX(0, 0, 2, 2))')).toBe(true);
  });

  it('evaluates arithmetic on numbers only; a division by zero matches nothing', () => {
    expect(keeps('gsd * 2 > 15 AND incidence_angle % 10 = 2.5 AND incidence_angle div 10 = 6 AND 2 ^ 3 = 8')).toBe(true);
    expect(keeps('gsd / 0 > 0 OR NOT gsd / 0 > 0')).toBe(false);
  });

  it('refuses at compile time a function it cannot evaluate', () => {
    expect(() => compileCql2(parseCql2Text('avg(windSpeed) < 4'), 'f.yaml')).toThrow(Cql2Error);
    expect(() => compileCql2(parseCql2Text('avg(windSpeed) < 4'), 'f.yaml')).toThrow(/^f\.yaml: unknown function avg\(\)/);
  });

  it('never throws on odd data: wrong types, an invalid geometry, no properties', () => {
    const odd = newEntry({ type: 'Feature', id: 'odd', geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] }, properties: { gsd: 'x', tags: 3 }, assets: {} });
    const bare = { item: { id: 'bare' }, fields: {}, files: {}, failures: [] } as unknown as Entry;
    for (const text of ['gsd < 10', 'A_CONTAINS(tags, (1, 2))', 'S_OVERLAPS(geometry, BBOX(0, 0, 0.5, 0.5))', "T_AFTER(gsd, DATE('2020-01-01'))", 'gsd + 1 > 2']) {
      expect(keeps(text, odd)).toBe(false);
      expect(keeps(text, bare)).toBe(false);
    }
  });
});

describe('propertiesOf', () => {
  it('lists each property a filter reads once, interval ends and function arguments included', () => {
    const ast = parseCql2Text("gsd < 10 AND T_INTERSECTS(INTERVAL(start_datetime, end_datetime), INTERVAL('2020-01-01', '..')) AND CASEI(\"eo:x\") IN ('a', CASEI(gsd))");
    expect(propertiesOf(ast)).toEqual(['gsd', 'start_datetime', 'end_datetime', 'eo:x']);
  });
});
