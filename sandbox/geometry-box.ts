/** [west, south, east, north] in degrees. */
export type Box = [number, number, number, number];

const GEOMETRY_TYPES = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection']);

/**
 * The bounding box of a GeoJSON geometry, or undefined when `value` is not one. The sandbox approximates
 * `intersects` (and CQL2 `s_intersects`) by intersecting this box with the items' bboxes: exact for boxes,
 * a superset for other shapes. Good enough to test clients; not a geometry engine.
 */
export function geometryBox(value: unknown): Box | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const geometry = value as { type?: unknown; coordinates?: unknown; geometries?: unknown };
  if (typeof geometry.type !== 'string' || !GEOMETRY_TYPES.has(geometry.type)) return undefined;
  const box: Box = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (node: unknown): boolean => {
    if (!Array.isArray(node)) return false;
    if (typeof node[0] === 'number') {
      const [x, y] = node as number[];
      if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
      box[0] = Math.min(box[0], x);
      box[1] = Math.min(box[1], y);
      box[2] = Math.max(box[2], x);
      box[3] = Math.max(box[3], y);
      return true;
    }
    return node.every(visit);
  };
  const ok = geometry.type === 'GeometryCollection'
    ? Array.isArray(geometry.geometries) && geometry.geometries.every((child) => {
      const inner = geometryBox(child);
      if (!inner) return false;
      visit([[inner[0], inner[1]], [inner[2], inner[3]]]);
      return true;
    })
    : visit(geometry.coordinates);
  return ok && box[0] <= box[2] ? box : undefined;
}
