import wkx from 'wkx';
import { boundsOf, geometryToWkb, geometryTypeName, isGeoJsonGeometry, WkbError, type GeoJsonGeometry } from '../../../src/catalog/geoparquet/wkb.js';

/** wkx (an independent WKB reader) decodes our bytes back to GeoJSON. */
const decode = (bytes: Uint8Array) => wkx.Geometry.parse(Buffer.from(bytes));

const ring2d = [[3, 4], [5, 4], [5, 6], [3, 6], [3, 4]];
const ring3d = ring2d.map(([x, y]) => [x, y, x + y]);
const cases: Array<[string, GeoJsonGeometry]> = [
  ['Point', { type: 'Point', coordinates: [3.5, -4.25] }],
  ['LineString', { type: 'LineString', coordinates: [[0, 0], [1, 2], [3, -4]] }],
  ['Polygon', { type: 'Polygon', coordinates: [ring2d, [[3.5, 4.5], [4, 4.5], [4, 5], [3.5, 4.5]]] }],
  ['MultiPoint', { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] }],
  ['MultiLineString', { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3], [4, 5]]] }],
  ['MultiPolygon', { type: 'MultiPolygon', coordinates: [[ring2d], [ring2d.map(([x, y]) => [x + 10, y])]] }],
  ['GeometryCollection', { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }, { type: 'LineString', coordinates: [[0, 0], [1, 1]] }] }],
];

describe.each(cases)('%s', (type, geometry) => {
  test('2D: ISO WKB that an independent reader decodes to the same GeoJSON', () => {
    const bytes = geometryToWkb(geometry);
    expect(bytes[0]).toBe(1); // little-endian
    expect(new DataView(bytes.buffer).getUint32(1, true)).toBe(cases.findIndex(([t]) => t === type) + 1);
    expect(decode(bytes).toGeoJSON()).toEqual(geometry);
    expect(geometryTypeName(geometry)).toBe(type);
  });

  test('3D: type code + 1000 (ISO, not EWKB), Z kept', () => {
    const geometry3d = JSON.parse(JSON.stringify(geometry), (key, value) =>
      Array.isArray(value) && typeof value[0] === 'number' ? [...value, value[0] * 10] : value,
    ) as GeoJsonGeometry;
    const bytes = geometryToWkb(geometry3d);
    expect(new DataView(bytes.buffer).getUint32(1, true)).toBe(1000 + cases.findIndex(([t]) => t === type) + 1);
    const decoded = decode(bytes);
    expect(decoded.hasZ).toBe(true);
    expect(decoded.toGeoJSON()).toEqual(geometry3d);
    expect(geometryTypeName(geometry3d)).toBe(`${type} Z`);
  });
});

test('a 3D polygon keeps its Z through wkx', () => {
  const bytes = geometryToWkb({ type: 'Polygon', coordinates: [ring3d] });
  expect(decode(bytes).toGeoJSON()).toEqual({ type: 'Polygon', coordinates: [ring3d] });
});

test('bounds cover every position, of every part', () => {
  expect(boundsOf(cases[5][1])).toEqual([3, 4, 15, 6]);
  expect(boundsOf(cases[6][1])).toEqual([0, 0, 1, 2]);
  expect(boundsOf({ type: 'MultiPoint', coordinates: [] })).toBeUndefined();
});

test('only GeoJSON geometries are taken for WKB', () => {
  expect(isGeoJsonGeometry({ type: 'Polygon', coordinates: [ring2d] })).toBe(true);
  expect(isGeoJsonGeometry({ type: 'Feature', geometry: null })).toBe(false);
  expect(isGeoJsonGeometry({ type: 'Polygon' })).toBe(false);
  expect(isGeoJsonGeometry({ lat: 1, lon: 2 })).toBe(false);
  expect(isGeoJsonGeometry('POINT (1 2)')).toBe(false);
});

test('a position that is not numbers is a WkbError, not a broken WKB', () => {
  expect(() => geometryToWkb({ type: 'LineString', coordinates: [[0, 0], ['1', 2]] })).toThrow(WkbError);
  expect(() => geometryToWkb({ type: 'Polygon', coordinates: [[[0]]] })).toThrow(/expected a position/);
});
