import { readFileSync } from 'node:fs';
import { newEntry, withFields, type StacItem } from '../../src/entry.js';
import { compileFieldPath } from '../../src/fields/field-path.js';
import { compileCql2, parseCql2Text } from '../../src/fields/cql2/index.js';
import { parsePvl, parsePvlBytes, PvlBlockView, type PvlDocument } from '../../src/pvl/index.js';

const fixture = (path: string): Uint8Array => readFileSync(new URL(`../fixtures/usgs/${path}`, import.meta.url));

// Real USGS labels of Kaguya TC image TC1S2B0_01_07496N087E3020 (see test/fixtures/usgs/SOURCES.md).
const caminfo = parsePvlBytes(fixture('caminfo/TC1S2B0_01_07496N087E3020.caminfo.pvl'), { source: 'caminfo.pvl' });
const isis = parsePvlBytes(fixture('labels/TC1S2B0_01_07496N087E3020.isis.lbl'), { source: 'isis.lbl' });
const pds3 = parsePvlBytes(fixture('labels/TC1S2B0_01_07496N087E3020.jaxa_pds3.lbl'), { source: 'pds3.lbl' });

describe('PvlDocument.get', () => {
  it('reads a value by its path, names matched ignoring case', () => {
    expect(caminfo.get('Caminfo.Geometry.IncidenceAngle')).toBe(62.64846899183);
    expect(caminfo.get('caminfo.geometry.incidenceangle')).toBe(62.64846899183);
    expect(caminfo.get('CAMINFO.Polygon.Mapping.PixelResolution')).toBe(7.6508919736877);
  });

  it('gives undefined for a missing name or a path through a value', () => {
    expect(caminfo.get('Caminfo.Geometry.NoSuchKey')).toBeUndefined();
    expect(caminfo.get('Caminfo.Geometry.IncidenceAngle.More')).toBeUndefined();
    expect(caminfo.get('')).toBeUndefined();
  });

  it('reads a value with units as a quantity { value, units }', () => {
    expect(isis.get('IsisCube.Instrument.ExposureDuration')).toEqual({ value: 6.5, units: 'ms' });
    expect(pds3.get('LINE_EXPOSURE_DURATION')).toEqual([{ value: 6.5, units: 'ms' }]);
  });

  it('reads names with ^ and sequence items by index', () => {
    expect(pds3.get('^IMAGE')).toEqual(['TC1S2B0_01_07496N087E3020.img', { value: 1, units: 'BYTES' }]);
    expect(pds3.get('^image[0]')).toBe('TC1S2B0_01_07496N087E3020.img');
    expect(pds3.get('^IMAGE[1]')).toEqual({ value: 1, units: 'BYTES' });
    expect(pds3.get('^IMAGE[2]')).toBeUndefined();
  });

  it('reads dates as ISO text, with the fraction as written', () => {
    expect(pds3.get('START_TIME')).toBe('2009-06-07T14:42:56.371900');
    expect(caminfo.get('Caminfo.Geometry.StartTime')).toBe('2009-06-07T14:42:56.3051759');
  });

  it('gives a block as a view that answers paths itself', () => {
    const geometry = caminfo.get('Caminfo.Geometry');
    expect(geometry).toBeInstanceOf(PvlBlockView);
    expect((geometry as PvlBlockView).get('IncidenceAngle')).toBe(62.64846899183);
    expect((geometry as PvlBlockView).name).toBe('Geometry');
  });

  it('answers a repeated name with its first statement; getAll gives them all', () => {
    const doc = parsePvl('Group = Field\n  Name = a\nEnd_Group\nGroup = Field\n  Name = b\nEnd_Group');
    expect(doc.get('Field.Name')).toBe('a');
    expect(doc.getAll('Field').map((f) => (f as PvlBlockView).get('Name'))).toEqual(['a', 'b']);
  });

  it('gives the model node with find', () => {
    expect(caminfo.find('Caminfo.Geometry.IncidenceAngle')).toEqual({ type: 'real', value: 62.64846899183, text: '62.64846899183' });
  });

  it('turns into JSON as an object of names', () => {
    const doc = parsePvl('A = 1\nGroup = G\n  B = (x, 2 <m>)\nEnd_Group\nA = 3');
    expect(JSON.parse(JSON.stringify(doc))).toEqual({ A: [1, 3], G: { B: ['x', { value: 2, units: 'm' }] } });
  });
});

describe('a PvlDocument in field paths and filters', () => {
  const item = JSON.parse(
    readFileSync(new URL('../fixtures/usgs/stac/item_kaguya_tc_monoscopic_TC1S2B0_01_07496N087E3020.json', import.meta.url), 'utf8'),
  ) as StacItem;
  const entry = withFields(newEntry(item), { caminfo, label: isis });

  it('is read by field paths: keys case-insensitive, quantities as numbers, @units', () => {
    expect(compileFieldPath('caminfo.Caminfo.Geometry.IncidenceAngle')(entry)).toBe(62.64846899183);
    expect(compileFieldPath('caminfo.caminfo.geometry.incidenceangle')(entry)).toBe(62.64846899183);
    expect(compileFieldPath('label.IsisCube.Instrument.ExposureDuration')(entry)).toBe(6.5);
    expect(compileFieldPath('label.IsisCube.Instrument.ExposureDuration@units')(entry)).toBe('ms');
  });

  it('feeds a filter (the tutorial: incidence_angle < 80)', () => {
    expect(compileCql2(parseCql2Text('caminfo.Caminfo.Geometry.IncidenceAngle < 80'))(entry)).toBe(true);
    expect(compileCql2(parseCql2Text('caminfo.Caminfo.Geometry.IncidenceAngle < 60'))(entry)).toBe(false);
  });
});

describe('PvlDocument', () => {
  it('keeps the source it was parsed from', () => {
    expect(caminfo.source).toBe('caminfo.pvl');
    expect((parsePvl('A = 1') as PvlDocument).source).toBeUndefined();
  });
});
