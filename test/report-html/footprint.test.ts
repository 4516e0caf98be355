import { footprintOf, simplifyRing } from '../../src/report-html/footprint.js';

// Footprints as the map keeps them: outer rings, at most 64 vertices an item, the shape's corners kept.

const circle = (n: number, cx = 0, cy = 0, r = 1): number[][] => {
  const ring = Array.from({ length: n }, (_, i) => [cx + r * Math.cos((2 * Math.PI * i) / n), cy + r * Math.sin((2 * Math.PI * i) / n)]);
  return [...ring, ring[0]];
};
const vertices = (rings: Float32Array[]): number => rings.reduce((sum, ring) => sum + ring.length / 2, 0);

test('a box stays the box: four vertices, the closing one dropped', () => {
  const rings = footprintOf({ type: 'Polygon', coordinates: [[[3, 4], [5, 4], [5, 6], [3, 6], [3, 4]]] }, undefined, 64)!;
  expect(rings.map((ring) => [...ring])).toEqual([[3, 4, 5, 4, 5, 6, 3, 6]]);
});

test('a 100,000-vertex ring becomes at most 64 vertices that stay on it and span it', () => {
  const rings = footprintOf({ type: 'Polygon', coordinates: [circle(100_000, 10, 20, 2)] }, undefined, 64)!;
  expect(vertices(rings)).toBe(64);
  const [ring] = rings;
  for (let i = 0; i < ring.length; i += 2) expect(Math.hypot(ring[i] - 10, ring[i + 1] - 20)).toBeCloseTo(2, 4);
  const lons = ring.filter((_, i) => i % 2 === 0);
  expect(Math.max(...lons) - Math.min(...lons)).toBeGreaterThan(3.9);
});

test('Douglas–Peucker keeps the corners of a long strip drawn with many points on its sides', () => {
  const side = (from: number[], to: number[], n: number) => Array.from({ length: n }, (_, i) => [from[0] + ((to[0] - from[0]) * i) / n, from[1] + ((to[1] - from[1]) * i) / n]);
  const corners = [[0, 0], [10, 0], [10, 1], [0, 1]];
  const ring = corners.flatMap((c, i) => side(c, corners[(i + 1) % 4], 500)).flat();
  const kept = simplifyRing(ring, 8);
  const pairs = Array.from({ length: kept.length / 2 }, (_, i) => [kept[2 * i], kept[2 * i + 1]]);
  for (const corner of corners) expect(pairs).toContainEqual(corner);
});

test('a MultiPolygon shares the budget, holes are left out, no ring under a triangle', () => {
  const polygons = Array.from({ length: 40 }, (_, i) => [circle(50, i * 3, 0), circle(20, i * 3, 0, 0.1)]);
  const rings = footprintOf({ type: 'MultiPolygon', coordinates: polygons }, undefined, 64)!;
  expect(vertices(rings)).toBeLessThanOrEqual(64);
  expect(rings.length).toBe(21); // 64 / 3 rings at most, each a triangle or more
  for (const ring of rings) expect(ring.length / 2).toBeGreaterThanOrEqual(3);
});

test('no geometry: the bbox (2D or 3D) as a box; neither, or broken coordinates: nothing', () => {
  expect(footprintOf(null, [1, 2, 3, 4], 64)!.map((r) => [...r])).toEqual([[1, 2, 3, 2, 3, 4, 1, 4]]);
  expect(footprintOf(null, [1, 2, -5, 3, 4, 5], 64)!.map((r) => [...r])).toEqual([[1, 2, 3, 2, 3, 4, 1, 4]]);
  expect(footprintOf({ type: 'Point', coordinates: [1, 2] }, undefined, 64)).toBeUndefined();
  expect(footprintOf({ type: 'Polygon', coordinates: [[[0, 0], ['x', 1], [1, 1]]] }, undefined, 64)).toBeUndefined();
  expect(footprintOf({ type: 'Polygon', coordinates: 'no' }, [0, 0, 'a', 1], 64)).toBeUndefined();
  expect(footprintOf({ type: 'Polygon', coordinates: [[[0, 0], [1e308, 1], [1, 1]]] }, [0, 0, 1e300, 1], 64)).toBeUndefined();
  expect(footprintOf({ type: 'Polygon', coordinates: [[[0, 0], [Number.NaN, 1], [1, 1]]] }, [0, 0, 1, Infinity], 64)).toBeUndefined();
});
