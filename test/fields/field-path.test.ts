import { readFileSync } from 'node:fs';
import { newEntry, withFields, type Entry, type StacItem } from '../../src/entry.js';
import { compileFieldPath, fieldPathSchema, FieldPathError, parseFieldPath, type PathQueryable } from '../../src/fields/field-path.js';

const item: StacItem = JSON.parse(
  readFileSync(new URL('../fixtures/usgs/stac/item_kaguya_tc_monoscopic_TC1S2B0_01_07496N087E3020.json', import.meta.url), 'utf8'),
);
const entry: Entry = newEntry(item);
const read = (path: string, from: Entry = entry) => compileFieldPath(path)(from);

/** Stands in for a PVL document: keys case-insensitive, numbers with units as quantities. */
class FakeLabel implements PathQueryable {
  readonly queries: string[] = [];
  constructor(private readonly tree: Record<string, unknown>) {}
  get(path: string): unknown {
    this.queries.push(path);
    let node: unknown = this.tree;
    for (const key of path.split('.')) {
      if (node === null || typeof node !== 'object') return undefined;
      const found = Object.keys(node).find((k) => k.toLowerCase() === key.toLowerCase());
      node = found === undefined ? undefined : (node as Record<string, unknown>)[found];
    }
    return node;
  }
}

const label = new FakeLabel({
  Caminfo: { Geometry: { IncidenceAngle: 62.548768944137, PixelResolution: { value: 7.65, units: 'meters/pixel' } } },
});
const labelled = withFields(entry, { caminfo: label, incidence_angle: 62.5, sel: { Nested: { Key: 'v' } } });

describe('compileFieldPath on a real Kaguya item', () => {
  it('reads item members', () => {
    expect(read('id')).toBe('TC1S2B0_01_07496N087E3020');
    expect(read('collection')).toBe('kaguya_terrain_camera_monoscopic_uncontrolled_observations');
    expect(read('bbox')).toEqual(item.bbox);
    expect(read('geometry.type')).toBe('Polygon');
  });

  it('reads a property by its bare name or under properties', () => {
    expect(read('gsd')).toBe(7.6508919736877);
    expect(read('properties.gsd')).toBe(7.6508919736877);
    expect(read('datetime')).toBe('2009-06-07T14:42:56.305175Z');
  });

  it('reads property names with a colon (proj:epsg is null in this item)', () => {
    expect(read('proj:epsg')).toBeNull();
    expect(read('view:sun_elevation')).toBe(7.8340609959213);
    expect(read('proj:centroid.lat')).toBe(8.73037251951993);
  });

  it('reads asset members', () => {
    expect(read('assets.caminfo_pvl.href')).toBe(
      'https://astrogeo-ard.s3-us-west-2.amazonaws.com/moon/kaguya/terrain_camera/monoscopic/uncontrolled/TC1S2B0_01_07496N087E3020/TC1S2B0_01_07496N087E3020.caminfo.pvl',
    );
    expect(read('assets.image.roles')).toEqual(['data']);
  });

  it('reads array elements by index', () => {
    expect(read('links[0].rel')).toBe('self');
    expect(read('bbox[1]')).toBe(7.947806083257045);
    expect(read('bbox.1')).toBe(7.947806083257045);
    expect(read('assets.image.raster:bands[0].statistics.maximum')).toBe(2424);
  });

  it('gives undefined for anything missing, never throws', () => {
    expect(read('nothing')).toBeUndefined();
    expect(read('assets.nothing.href')).toBeUndefined();
    expect(read('gsd.deeper')).toBeUndefined();
    expect(read('proj:epsg.deeper')).toBeUndefined();
    expect(read('links[99].href')).toBeUndefined();
    expect(read('id[0]')).toBeUndefined();
  });

  it('falls back to case-insensitive keys after an exact match fails', () => {
    expect(read('GSD')).toBe(7.6508919736877);
    expect(read('assets.Image.HREF')).toBe(item.assets.image.href);
    const twoCases = withFields(entry, { doc: { Key: 'exact', key: 'other' } });
    expect(read('doc.key', twoCases)).toBe('other');
    expect(read('doc.KEY', twoCases)).toBe('exact');
  });
});

describe('compileFieldPath on entry fields', () => {
  it('reads a selected name, before item members and properties', () => {
    expect(read('incidence_angle', labelled)).toBe(62.5);
    expect(read('gsd', withFields(entry, { gsd: 'shadowed' }))).toBe('shadowed');
  });

  it('walks into a plain-object field', () => {
    expect(read('sel.nested.key', labelled)).toBe('v');
  });

  it('hands the rest of the path to a document with get(path)', () => {
    expect(read('caminfo.Caminfo.Geometry.IncidenceAngle', labelled)).toBe(62.548768944137);
    expect(label.queries.at(-1)).toBe('Caminfo.Geometry.IncidenceAngle');
    expect(read('caminfo.caminfo.geometry.incidenceangle', labelled)).toBe(62.548768944137);
  });

  it('reads a quantity as its value, and its units with @units', () => {
    expect(read('caminfo.Caminfo.Geometry.PixelResolution', labelled)).toBe(7.65);
    expect(read('caminfo.Caminfo.Geometry.PixelResolution@units', labelled)).toBe('meters/pixel');
    const plain = withFields(entry, { q: { value: 3, units: 'DEGREES' } });
    expect(read('q', plain)).toBe(3);
    expect(read('q@units', plain)).toBe('DEGREES');
  });

  it('gives undefined for @units of a value without units', () => {
    expect(read('gsd@units')).toBeUndefined();
    expect(read('caminfo.Caminfo.Geometry.IncidenceAngle@units', labelled)).toBeUndefined();
  });
});

describe('parseFieldPath', () => {
  it('splits keys, indexes and the suffix', () => {
    expect(parseFieldPath('links[0].href@units')).toEqual({
      text: 'links[0].href@units',
      segments: [{ key: 'links' }, { index: 0 }, { key: 'href' }],
      suffix: 'units',
    });
  });

  it.each([
    ['', 'the path is empty at column 1'],
    ['a..b', "expected a name, found '.' at column 3"],
    ['a.', 'expected a name after the dot at column 3'],
    ['.a', "expected a name, found '.' at column 1"],
    ['a[x]', 'expected an array index such as [0] at column 2'],
    ['a[0', 'expected an array index such as [0] at column 2'],
    ['a b', "expected '.', '[' or '@units' after a name, found a space at column 2"],
    ['a[0]b', "expected '.', '[' or '@units' after a name, found 'b' at column 5"],
    ['[0]', "expected a name, found '[' at column 1"],
    ['a@unit', "unknown suffix '@unit' (the only one is '@units') at column 2"],
    ['a.[0]', "'[' must follow a name (write 'a[0]', not 'a.[0]') at column 3"],
  ])('rejects %j: %s', (path, message) => {
    expect(() => parseFieldPath(path)).toThrow(FieldPathError);
    expect(() => parseFieldPath(path)).toThrow(`invalid field path '${path}': ${message}`);
  });

  it('reports the error through zod', () => {
    const result = fieldPathSchema.safeParse('a..b');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toBe("invalid field path 'a..b': expected a name, found '.' at column 3");
  });
});
