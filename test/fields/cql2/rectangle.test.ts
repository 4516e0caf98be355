import GeometryFactory from 'jsts/org/locationtech/jts/geom/GeometryFactory.js';
import GeoJSONReader from 'jsts/org/locationtech/jts/io/GeoJSONReader.js';
import RelateOp from 'jsts/org/locationtech/jts/operation/relate/RelateOp.js';
import { intersectsRectangle, type Rectangle } from '../../../src/fields/cql2/rectangle.js';

// The rectangle shortcut against jsts's DE-9IM matrix on generated geometries. Coordinates are small
// integers, so that positions on the sides, collinear edges and touching corners (the hard cases) are common.

const reader = new GeoJSONReader(new GeometryFactory());
const bboxPolygon = (r: Rectangle) => ({ type: 'Polygon', coordinates: [[[r.minX, r.minY], [r.maxX, r.minY], [r.maxX, r.maxY], [r.minX, r.maxY], [r.minX, r.minY]]] });
const jstsIntersects = (geometry: object, r: Rectangle): boolean =>
  (RelateOp.relate(reader.read(geometry), reader.read(bboxPolygon(r))) as { isIntersects(): boolean }).isIntersects();

let state = 7;
const random = (n: number): number => {
  state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
  return Math.floor((state / 2_147_483_648) * n);
};
const point = (): number[] => [random(12), random(12)];
const square = (x: number, y: number, size: number): number[][] => [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]];

function geometry(kind: number): object {
  switch (kind) {
    case 0:
      return { type: 'Point', coordinates: point() };
    case 1:
      return { type: 'LineString', coordinates: [point(), point(), point()] };
    case 2: {
      const [x, y, size] = [random(8), random(8), 1 + random(6)];
      return { type: 'Polygon', coordinates: [square(x, y, size)] };
    }
    case 3: {
      // A square with a square hole.
      const [x, y] = [random(4), random(4)];
      return { type: 'Polygon', coordinates: [square(x, y, 8), square(x + 2, y + 2, 3).reverse()] };
    }
    default:
      // (Apart: a multipolygon whose parts overlap is invalid, and has no matrix.)
      return { type: 'MultiPolygon', coordinates: [[square(6 + random(4), random(10), 1)], [[[0, 0], [5, 1], [2, 6], [0, 0]]]] };
  }
}

test('intersectsRectangle agrees with the matrix on 3,000 generated pairs', () => {
  const disagreements: string[] = [];
  let hits = 0;
  for (let i = 0; i < 3000; i += 1) {
    const g = geometry(i % 5);
    const [x, y] = [random(10), random(10)];
    const r = { minX: x, minY: y, maxX: x + 1 + random(4), maxY: y + 1 + random(4) };
    const expected = jstsIntersects(g, r);
    if (expected) hits += 1;
    if (intersectsRectangle(g, r) !== expected) disagreements.push(`${JSON.stringify(g)} ${JSON.stringify(r)}: jsts says ${expected}`);
  }
  expect(disagreements.slice(0, 5)).toEqual([]);
  // Both answers are common, so the comparison means something.
  expect(hits).toBeGreaterThan(500);
  expect(hits).toBeLessThan(2500);
});

test('a rectangle inside a polygon intersects it, one inside its hole does not', () => {
  const holed = { type: 'Polygon', coordinates: [square(0, 0, 10), square(3, 3, 4).reverse()] };
  expect(intersectsRectangle(holed, { minX: 1, minY: 1, maxX: 2, maxY: 2 })).toBe(true);
  expect(intersectsRectangle(holed, { minX: 4, minY: 4, maxX: 5, maxY: 5 })).toBe(false);
});
