/**
 * An item's footprint as the HTML report's map draws it: its outer rings as flat lon/lat pairs, at most
 * `maxVertices` vertices in all, so a hostile or very detailed geometry costs the page as much as a box.
 */

/** Rings of one footprint, each `[lon0, lat0, lon1, lat1, …]`, closed implicitly (the last vertex is not the first). */
export type FootprintRings = Float32Array[];

/** Vertices a ring keeps at least (a triangle); rings that would get fewer are left out, the largest kept. */
const MIN_RING_VERTICES = 3;

/** Before simplifying, a ring longer than this is thinned evenly: keeps the work per item bounded. */
const PRE_THIN_VERTICES = 4096;

/**
 * The outer rings of a GeoJSON Polygon or MultiPolygon (holes do not show at a map's scale), else the item's
 * `bbox` as a box; undefined when neither gives a shape. A coordinate that is not a number of degrees ends its ring.
 */
export function footprintOf(geometry: unknown, bbox: unknown, maxVertices: number): FootprintRings | undefined {
  const rings = outerRings(geometry).filter((ring) => ring.length >= MIN_RING_VERTICES * 2);
  if (rings.length === 0) {
    const box = bboxRing(bbox);
    return box ? [box] : undefined;
  }
  return simplifyRings(rings, maxVertices);
}

function outerRings(geometry: unknown): number[][] {
  if (typeof geometry !== 'object' || geometry === null) return [];
  const { type, coordinates } = geometry as { type?: unknown; coordinates?: unknown };
  if (!Array.isArray(coordinates)) return [];
  if (type === 'Polygon') return coordinates.length > 0 ? [ringCoordinates(coordinates[0])] : [];
  if (type === 'MultiPolygon') return coordinates.flatMap((polygon) => (Array.isArray(polygon) && polygon.length > 0 ? [ringCoordinates(polygon[0])] : []));
  return [];
}

/** GeoJSON positions → flat pairs, without the closing repeat of the first vertex. */
function ringCoordinates(ring: unknown): number[] {
  const flat: number[] = [];
  if (!Array.isArray(ring)) return flat;
  for (const position of ring) {
    if (!Array.isArray(position)) break;
    const [lon, lat] = position as unknown[];
    if (!isDegrees(lon) || !isDegrees(lat)) break;
    flat.push(lon, lat);
  }
  const n = flat.length;
  if (n >= 4 && flat[0] === flat[n - 2] && flat[1] === flat[n - 1]) flat.length = n - 2;
  return flat;
}

/** A coordinate a lon/lat plot can hold (0–360 longitudes included); anything else would stretch the map to nothing. */
const isDegrees = (value: unknown): value is number => typeof value === 'number' && Math.abs(value) <= MAX_DEGREES;
const MAX_DEGREES = 720;

function bboxRing(bbox: unknown): Float32Array | undefined {
  if (!Array.isArray(bbox) || (bbox.length !== 4 && bbox.length !== 6)) return undefined;
  const half = bbox.length / 2;
  const [west, south, east, north] = [bbox[0], bbox[1], bbox[half], bbox[half + 1]] as unknown[];
  if (![west, south, east, north].every(isDegrees)) return undefined;
  const [w, s, e, n] = [west, south, east, north] as number[];
  return Float32Array.of(w, s, e, s, e, n, w, n);
}

/**
 * Shares `maxVertices` among the rings by their vertex counts, the rings with most vertices first; each ring
 * is simplified to its share by Douglas–Peucker refinement (the vertex farthest from the kept outline is added
 * next), so a box stays a box and a long strip keeps its corners.
 */
export function simplifyRings(rings: number[][], maxVertices: number): FootprintRings {
  const ordered = [...rings].sort((a, b) => b.length - a.length).slice(0, Math.max(1, Math.floor(maxVertices / MIN_RING_VERTICES)));
  const total = ordered.reduce((sum, ring) => sum + ring.length / 2, 0);
  let left = maxVertices;
  return ordered.map((ring, i) => {
    const vertices = ring.length / 2;
    const fair = Math.floor((maxVertices * vertices) / total);
    const share = Math.max(MIN_RING_VERTICES, Math.min(vertices, fair, left - MIN_RING_VERTICES * (ordered.length - i - 1)));
    left -= share;
    return Float32Array.from(simplifyRing(ring, share));
  });
}

/** One closed ring (flat pairs) reduced to at most `budget` vertices. */
export function simplifyRing(ring: number[], budget: number): number[] {
  const thinned = ring.length / 2 > PRE_THIN_VERTICES ? thin(ring, PRE_THIN_VERTICES) : ring;
  const n = thinned.length / 2;
  if (n <= budget) return thinned;
  // The ring with vertex 0 repeated at index n, so spans never wrap around. Squared distances: only compared.
  const xs = new Float64Array(n + 1);
  const ys = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    xs[i] = thinned[2 * i];
    ys[i] = thinned[2 * i + 1];
  }
  xs[n] = xs[0];
  ys[n] = ys[0];
  // Seeds: vertex 0 and the vertex farthest from it; then the open spans between kept vertices are split at
  // their farthest vertex, the span whose split point lies farthest first.
  let far = 1;
  let farthest = -1;
  for (let i = 1; i < n; i++) {
    const d = (xs[i] - xs[0]) ** 2 + (ys[i] - ys[0]) ** 2;
    if (d > farthest) {
      far = i;
      farthest = d;
    }
  }
  const kept = [0, far];
  const spans: Array<{ from: number; to: number; at: number; distance: number }> = [];
  const addSpan = (from: number, to: number) => {
    let at = -1;
    let distance = -1;
    for (let i = from + 1; i < to; i++) {
      const d = squaredDistanceToSegment(xs[i], ys[i], xs[from], ys[from], xs[to], ys[to]);
      if (d > distance) {
        at = i;
        distance = d;
      }
    }
    if (at >= 0) spans.push({ from, to, at, distance });
  };
  addSpan(0, far);
  addSpan(far, n);
  while (kept.length < budget && spans.length > 0) {
    let best = 0;
    for (let i = 1; i < spans.length; i++) if (spans[i].distance > spans[best].distance) best = i;
    const span = spans[best];
    spans[best] = spans[spans.length - 1];
    spans.pop();
    kept.push(span.at);
    addSpan(span.from, span.at);
    addSpan(span.at, span.to);
  }
  kept.sort((a, b) => a - b);
  const out: number[] = [];
  for (const i of kept) out.push(xs[i], ys[i]);
  return out;
}

function thin(ring: number[], vertices: number): number[] {
  const n = ring.length / 2;
  const out: number[] = [];
  for (let k = 0; k < vertices; k++) {
    const i = Math.floor((k * n) / vertices);
    out.push(ring[2 * i], ring[2 * i + 1]);
  }
  return out;
}

function squaredDistanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / length2));
  const ex = px - (ax + t * dx);
  const ey = py - (ay + t * dy);
  return ex * ex + ey * ey;
}
