import wkx from 'wkx';
import { geometryToWkb, type GeoJsonGeometry } from '../../../src/catalog/geoparquet/wkb.js';
import { wkbToGeometry, WkbReadError } from '../../../src/catalog/geoparquet/wkb-read.js';

const ring = [[3, 4], [5, 4], [5, 6], [3, 6], [3, 4]];
const cases: Array<[string, GeoJsonGeometry]> = [
  ['Point', { type: 'Point', coordinates: [3.5, -4.25] }],
  ['LineString', { type: 'LineString', coordinates: [[0, 0], [1, 2], [3, -4]] }],
  ['Polygon', { type: 'Polygon', coordinates: [ring, [[3.5, 4.5], [4, 4.5], [4, 5], [3.5, 4.5]]] }],
  ['MultiPoint', { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] }],
  ['MultiLineString', { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3], [4, 5]]] }],
  ['MultiPolygon', { type: 'MultiPolygon', coordinates: [[ring], [ring.map(([x, y]) => [x + 10, y])]] }],
  ['GeometryCollection', { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }, { type: 'LineString', coordinates: [[0, 0], [1, 1]] }] }],
];
const with3d = (geometry: GeoJsonGeometry): GeoJsonGeometry =>
  JSON.parse(JSON.stringify(geometry), (_key, value) => (Array.isArray(value) && typeof value[0] === 'number' ? [...value, value[0] * 10] : value));

describe.each(cases)('%s', (_type, geometry) => {
  test('2D and 3D: what wkb.ts writes reads back to the same GeoJSON', () => {
    expect(wkbToGeometry(geometryToWkb(geometry))).toEqual(geometry);
    expect(wkbToGeometry(geometryToWkb(with3d(geometry)))).toEqual(with3d(geometry));
  });

  test('what an independent writer (wkx) writes reads back to the geometry it was given', () => {
    expect(wkbToGeometry(wkx.Geometry.parseGeoJSON(geometry).toWkb())).toEqual(geometry);
    expect(wkbToGeometry(wkx.Geometry.parseGeoJSON(with3d(geometry)).toWkb())).toEqual(with3d(geometry));
  });
});

/** A point in hand-written bytes: byte order, a type code, then doubles. */
function pointBytes(little: boolean, code: number, numbers: number[], srid?: number): Uint8Array {
  const bytes = new Uint8Array(5 + (srid === undefined ? 0 : 4) + 8 * numbers.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, little ? 1 : 0);
  view.setUint32(1, code, little);
  let at = 5;
  if (srid !== undefined) {
    view.setUint32(at, srid, little);
    at += 4;
  }
  for (const n of numbers) {
    view.setFloat64(at, n, little);
    at += 8;
  }
  return bytes;
}

test('big-endian, ISO M and ZM codes (M dropped), EWKB flags and SRID', () => {
  expect(wkbToGeometry(pointBytes(false, 1, [1.5, 2.5]))).toEqual({ type: 'Point', coordinates: [1.5, 2.5] });
  expect(wkbToGeometry(pointBytes(true, 2001, [1, 2, 99]))).toEqual({ type: 'Point', coordinates: [1, 2] }); // M
  expect(wkbToGeometry(pointBytes(true, 3001, [1, 2, 3, 99]))).toEqual({ type: 'Point', coordinates: [1, 2, 3] }); // ZM
  expect(wkbToGeometry(pointBytes(true, 0x80000001, [1, 2, 3]))).toEqual({ type: 'Point', coordinates: [1, 2, 3] }); // EWKB Z
  expect(wkbToGeometry(pointBytes(false, 0x20000001, [1, 2], 4326))).toEqual({ type: 'Point', coordinates: [1, 2] }); // EWKB SRID
});

test('an empty point (NaN coordinates, as wkb.ts writes GeoJSON\'s empty point) reads as coordinates []', () => {
  expect(wkbToGeometry(geometryToWkb({ type: 'Point', coordinates: [] }))).toEqual({ type: 'Point', coordinates: [] });
});

describe('bytes that are no WKB geometry throw WkbReadError, saying where', () => {
  const polygon = geometryToWkb(cases[2][1]);
  test.each<[string, Uint8Array, RegExp]>([
    ['nothing', new Uint8Array(0), /cut short: 5 bytes needed at offset 0/],
    ['a bad byte order', Uint8Array.from([7, 1, 0, 0, 0]), /byte order 7 at offset 0/],
    ['an unknown type', pointBytes(true, 8, [1, 2]), /unknown WKB geometry type 8/],
    ['a cut-short polygon', polygon.subarray(0, polygon.length - 3), /cut short/],
    ['bytes after the geometry', Uint8Array.from([...polygon, 0]), /1 bytes after the geometry/],
    ['a count larger than the bytes', Uint8Array.from([1, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f]), /2147483647 elements announced at offset 5/],
    ['a Polygon inside a MultiPoint', Uint8Array.from([1, 4, 0, 0, 0, 1, 0, 0, 0, ...polygon]), /a Polygon inside a MultiPoint/],
  ])('%s', (_name, bytes, message) => {
    expect(() => wkbToGeometry(bytes)).toThrow(WkbReadError);
    expect(() => wkbToGeometry(bytes)).toThrow(message);
  });

  test('collections nested 40 deep (a hostile value, not a footprint)', () => {
    const header = [1, 7, 0, 0, 0, 1, 0, 0, 0]; // GeometryCollection of one
    const bytes = Uint8Array.from([...Array.from({ length: 40 }, () => header).flat(), ...pointBytes(true, 1, [0, 0])]);
    expect(() => wkbToGeometry(bytes)).toThrow(/nested deeper than 32/);
  });
});
