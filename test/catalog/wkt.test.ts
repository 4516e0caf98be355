import { readFileSync } from 'node:fs';
import wkx from 'wkx';
import { decimal, geometryToWkt, GeometryError } from '../../src/catalog/wkt.js';

/** WKT read back by an independent parser (wkx), as GeoJSON. */
const parsed = (wkt: string | null): unknown => wkx.Geometry.parse(wkt!).toGeoJSON();

const kaguya = JSON.parse(readFileSync(new URL('../fixtures/usgs/stac/item_kaguya_tc_monoscopic_TC1S2B0_01_07495N079E3030.json', import.meta.url), 'utf8'));

const GEOMETRIES: ReadonlyArray<[string, Record<string, unknown>, string]> = [
  ['Point', { type: 'Point', coordinates: [30.5, -10] }, 'POINT (30.5 -10)'],
  ['Point Z', { type: 'Point', coordinates: [30, 10, -2.5] }, 'POINT Z (30 10 -2.5)'],
  ['MultiPoint', { type: 'MultiPoint', coordinates: [[10, 40], [40, 30]] }, 'MULTIPOINT ((10 40), (40 30))'],
  ['LineString', { type: 'LineString', coordinates: [[30, 10], [10, 30], [40, 40]] }, 'LINESTRING (30 10, 10 30, 40 40)'],
  ['LineString Z', { type: 'LineString', coordinates: [[30, 10, 1], [10, 30, 2]] }, 'LINESTRING Z (30 10 1, 10 30 2)'],
  ['MultiLineString', { type: 'MultiLineString', coordinates: [[[10, 10], [20, 20]], [[40, 40], [30, 30]]] }, 'MULTILINESTRING ((10 10, 20 20), (40 40, 30 30))'],
  ['Polygon with a hole', { type: 'Polygon', coordinates: [[[35, 10], [45, 45], [15, 40], [35, 10]], [[20, 30], [35, 35], [30, 20], [20, 30]]] }, 'POLYGON ((35 10, 45 45, 15 40, 35 10), (20 30, 35 35, 30 20, 20 30))'],
  ['MultiPolygon Z', { type: 'MultiPolygon', coordinates: [[[[0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 0, 1]]], [[[5, 5, 2], [6, 5, 2], [6, 6, 2], [5, 5, 2]]]] }, 'MULTIPOLYGON Z (((0 0 1, 1 0 1, 1 1 1, 0 0 1)), ((5 5 2, 6 5 2, 6 6 2, 5 5 2)))'],
  ['GeometryCollection', { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }, { type: 'LineString', coordinates: [[0, 0], [1, 1]] }] }, 'GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1))'],
];

describe('geometryToWkt', () => {
  it.each(GEOMETRIES)('writes a %s that wkx reads back to the same GeoJSON', (_name, geometry, wkt) => {
    expect(geometryToWkt(geometry)).toBe(wkt);
    expect(parsed(geometryToWkt(geometry))).toEqual(geometry);
  });

  it("writes a real Kaguya TC footprint that wkx reads back exactly (every digit kept)", () => {
    const wkt = geometryToWkt(kaguya.geometry);
    expect(wkt).toMatch(/^POLYGON \(\(-?\d/);
    expect(parsed(wkt)).toEqual(kaguya.geometry);
  });

  it('writes empty geometries as EMPTY', () => {
    expect(geometryToWkt({ type: 'Polygon', coordinates: [] })).toBe('POLYGON EMPTY');
    expect(geometryToWkt({ type: 'Point', coordinates: [] })).toBe('POINT EMPTY');
    expect(geometryToWkt({ type: 'GeometryCollection', geometries: [] })).toBe('GEOMETRYCOLLECTION EMPTY');
    expect(parsed('POLYGON EMPTY')).toEqual({ type: 'Polygon', coordinates: [] });
  });

  it('gives null for a null geometry (STAC allows one)', () => {
    expect(geometryToWkt(null)).toBeNull();
  });

  it('writes numbers without exponents, which WKT readers differ on', () => {
    expect(geometryToWkt({ type: 'Point', coordinates: [1e-7, -1.5e21] })).toBe('POINT (0.0000001 -1500000000000000000000)');
    expect(parsed('POINT (0.0000001 -1500000000000000000000)')).toEqual({ type: 'Point', coordinates: [1e-7, -1.5e21] });
    expect([decimal(1.25e-10), decimal(-3e-7), decimal(12.5), decimal(2.5e25)]).toEqual(['0.000000000125', '-0.0000003', '12.5', '25000000000000000000000000']);
  });

  it.each([
    ['a string', 'POINT (1 2)', 'geometry: not a GeoJSON geometry object'],
    ['an unknown type', { type: 'Circle', coordinates: [1, 2] }, 'geometry: unknown GeoJSON geometry type "Circle"'],
    ['a position of one number', { type: 'LineString', coordinates: [[1, 2], [3]] }, 'geometry.coordinates[1]: a position is two or three finite numbers, got [3]'],
    ['text coordinates', { type: 'Point', coordinates: ['1', '2'] }, 'geometry.coordinates: a position is two or three finite numbers, got ["1","2"]'],
    ['coordinates nested too shallow', { type: 'Polygon', coordinates: [[1, 2], [3, 4]] }, 'geometry.coordinates[0][0]: expected an array'],
    ['a collection without geometries', { type: 'GeometryCollection' }, 'geometry: a GeometryCollection needs a "geometries" array'],
  ])('refuses %s with a GeometryError naming where', (_name, geometry, message) => {
    expect(() => geometryToWkt(geometry)).toThrow(GeometryError);
    expect(() => geometryToWkt(geometry)).toThrow(message);
  });
});
