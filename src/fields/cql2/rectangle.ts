/**
 * Whether a GeoJSON geometry intersects a rectangle (a BBOX literal), without building a jsts geometry:
 * the common spatial filter, decided as JTS's RectangleIntersects does. A geometry intersects the (closed)
 * rectangle when one of its positions lies in it, when one of its segments crosses the rectangle's sides,
 * or, for a polygon, when the rectangle lies inside it (a corner of the rectangle inside the shell and in
 * no hole). jsts's full matrix took ~1.5 ms a footprint that crosses the box's sides; this takes ~1 µs.
 */
export interface Rectangle {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

type Ring = readonly (readonly number[])[];

interface GeoJsonLike {
  readonly type?: unknown;
  readonly coordinates?: unknown;
  readonly geometries?: unknown;
}

/** true or false; undefined when the value is not a geometry this knows (the caller asks jsts). */
export function intersectsRectangle(geometry: GeoJsonLike, r: Rectangle): boolean | undefined {
  const c = geometry.coordinates as never;
  switch (geometry.type) {
    case 'Point':
      return inside(c, r);
    case 'MultiPoint':
      return (c as Ring).some((p) => inside(p, r));
    case 'LineString':
      return lineIntersects(c, r);
    case 'MultiLineString':
      return (c as Ring[]).some((line) => lineIntersects(line, r));
    case 'Polygon':
      return polygonIntersects(c, r);
    case 'MultiPolygon':
      return (c as Ring[][]).some((polygon) => polygonIntersects(polygon, r));
    case 'GeometryCollection': {
      let unknown = false;
      for (const member of geometry.geometries as GeoJsonLike[]) {
        const result = intersectsRectangle(member, r);
        if (result === true) return true;
        if (result === undefined) unknown = true;
      }
      return unknown ? undefined : false;
    }
    default:
      return undefined;
  }
}

const inside = (p: readonly number[], r: Rectangle): boolean => p[0] >= r.minX && p[0] <= r.maxX && p[1] >= r.minY && p[1] <= r.maxY;

function lineIntersects(line: Ring, r: Rectangle): boolean {
  if (line.some((p) => inside(p, r))) return true;
  for (let i = 1; i < line.length; i += 1) if (segmentCrossesSides(line[i - 1], line[i], r)) return true;
  return false;
}

function polygonIntersects(rings: readonly Ring[], r: Rectangle): boolean {
  if (rings.length === 0) return false;
  for (const ring of rings) if (lineIntersects(ring, r)) return true;
  // No position inside and no side crossed: the rectangle is wholly inside the polygon, or wholly outside.
  const corner = [r.minX, r.minY];
  return inRing(corner, rings[0]) && !rings.slice(1).some((hole) => inRing(corner, hole));
}

/** Ray casting: `p` strictly inside the ring (on its edge was found by the side test). */
function inRing(p: readonly number[], ring: Ring): boolean {
  let crossings = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) crossings = !crossings;
  }
  return crossings;
}

function segmentCrossesSides(a: readonly number[], b: readonly number[], r: Rectangle): boolean {
  const corners = [[r.minX, r.minY], [r.maxX, r.minY], [r.maxX, r.maxY], [r.minX, r.maxY]];
  for (let i = 0; i < 4; i += 1) if (segmentsIntersect(a, b, corners[i], corners[(i + 1) % 4])) return true;
  return false;
}

const orientation = (p: readonly number[], q: readonly number[], s: readonly number[]): number =>
  Math.sign((q[0] - p[0]) * (s[1] - p[1]) - (q[1] - p[1]) * (s[0] - p[0]));

const onSegment = (p: readonly number[], q: readonly number[], s: readonly number[]): boolean =>
  Math.min(p[0], q[0]) <= s[0] && s[0] <= Math.max(p[0], q[0]) && Math.min(p[1], q[1]) <= s[1] && s[1] <= Math.max(p[1], q[1]);

/** Closed segments pq and st meet (touching and collinear overlap included). */
function segmentsIntersect(p: readonly number[], q: readonly number[], s: readonly number[], t: readonly number[]): boolean {
  const [o1, o2, o3, o4] = [orientation(p, q, s), orientation(p, q, t), orientation(s, t, p), orientation(s, t, q)];
  if (o1 !== o2 && o3 !== o4) return true;
  return (o1 === 0 && onSegment(p, q, s)) || (o2 === 0 && onSegment(p, q, t)) || (o3 === 0 && onSegment(s, t, p)) || (o4 === 0 && onSegment(s, t, q));
}
