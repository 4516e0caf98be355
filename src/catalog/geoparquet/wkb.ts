/**
 * GeoJSON geometries as ISO WKB (little-endian), the encoding GeoParquet 1.1 names `WKB`: 3D coordinates add
 * 1000 to the type code (`Polygon Z` is 1003), as ISO 13249 does and GeoParquet requires (not EWKB's flag).
 * A geometry is 3D when its first position has three numbers; its other positions are written with the same
 * dimension (a missing Z is 0, an extra one is dropped), so every WKB is well formed.
 */

/** The seven GeoJSON geometry types, with their WKB codes. */
const CODES = {
  Point: 1,
  LineString: 2,
  Polygon: 3,
  MultiPoint: 4,
  MultiLineString: 5,
  MultiPolygon: 6,
  GeometryCollection: 7,
} as const;

export type GeometryType = keyof typeof CODES;

type Position = readonly number[];

export interface GeoJsonGeometry {
  readonly type: GeometryType;
  readonly coordinates?: unknown;
  readonly geometries?: readonly GeoJsonGeometry[];
}

/** Why a value cannot be written as WKB, in words (the caller names the item and column). */
export class WkbError extends Error {
  override readonly name = 'WkbError';
}

/** Whether `value` has the shape of a GeoJSON geometry (a known `type` and coordinates or geometries). */
export function isGeoJsonGeometry(value: unknown): value is GeoJsonGeometry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { type, coordinates, geometries } = value as Record<string, unknown>;
  if (typeof type !== 'string' || !Object.hasOwn(CODES, type)) return false;
  return type === 'GeometryCollection' ? Array.isArray(geometries) : Array.isArray(coordinates);
}

/** The GeoParquet `geometry_types` name of a geometry: `Polygon`, or `Polygon Z` when 3D. */
export function geometryTypeName(geometry: GeoJsonGeometry): string {
  return is3d(geometry) ? `${geometry.type} Z` : geometry.type;
}

/** A 2D bounding box [xmin, ymin, xmax, ymax] of every position, or undefined for an empty geometry. */
export function boundsOf(geometry: GeoJsonGeometry): [number, number, number, number] | undefined {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  forEachPosition(geometry, ([x, y]) => {
    if (x < box[0]) box[0] = x;
    if (y < box[1]) box[1] = y;
    if (x > box[2]) box[2] = x;
    if (y > box[3]) box[3] = y;
  });
  return box[0] === Infinity ? undefined : box;
}

/** The geometry as ISO WKB. Throws WkbError on a shape that is not GeoJSON (a position that is not numbers). */
export function geometryToWkb(geometry: GeoJsonGeometry): Uint8Array {
  const dims = is3d(geometry) ? 3 : 2;
  const bytes = new Uint8Array(byteLength(geometry, dims));
  writeGeometry(new WkbBuffer(new DataView(bytes.buffer), 0), geometry, dims);
  return bytes;
}

/**
 * Writes the geometry's WKB into `target` at `at` (a column's page, without a copy per row), making room first:
 * `room(size)` returns the view to write into. Returns the bytes written; throws WkbError as geometryToWkb does
 * (then what was written past `at` is garbage the caller does not count).
 */
export function writeWkb(geometry: GeoJsonGeometry, room: (size: number) => DataView, at: number): number {
  const dims = is3d(geometry) ? 3 : 2;
  const size = byteLength(geometry, dims);
  writeGeometry(new WkbBuffer(room(size), at), geometry, dims);
  return size;
}

function is3d(geometry: GeoJsonGeometry): boolean {
  const first = firstPosition(geometry);
  return first !== undefined && first.length >= 3;
}

function firstPosition(geometry: GeoJsonGeometry): Position | undefined {
  if (geometry.type === 'GeometryCollection') {
    for (const part of geometry.geometries ?? []) {
      const found = firstPosition(part);
      if (found) return found;
    }
    return undefined;
  }
  let node: unknown = geometry.coordinates;
  while (Array.isArray(node) && Array.isArray(node[0])) node = node[0];
  return Array.isArray(node) && node.length > 0 ? (node as Position) : undefined;
}

function forEachPosition(geometry: GeoJsonGeometry, visit: (p: Position) => void): void {
  if (geometry.type === 'GeometryCollection') {
    for (const part of geometry.geometries ?? []) forEachPosition(part, visit);
    return;
  }
  const walk = (node: unknown, depth: number): void => {
    if (!Array.isArray(node)) return;
    if (depth === 0) {
      visit(node as Position);
      return;
    }
    for (const child of node) walk(child, depth - 1);
  };
  walk(geometry.coordinates, nesting(geometry.type));
}

/** How many array levels sit above a position in `coordinates`. */
function nesting(type: GeometryType): number {
  switch (type) {
    case 'Point':
      return 0;
    case 'LineString':
    case 'MultiPoint':
      return 1;
    case 'Polygon':
    case 'MultiLineString':
      return 2;
    case 'MultiPolygon':
      return 3;
    default:
      return -1;
  }
}

const HEADER = 5; // byte order + type code

function byteLength(geometry: GeoJsonGeometry, dims: number): number {
  const point = 8 * dims;
  const c = geometry.coordinates;
  switch (geometry.type) {
    case 'Point':
      return HEADER + point;
    case 'LineString':
      return HEADER + 4 + arrayOf(c).length * point;
    case 'Polygon':
      return HEADER + 4 + arrayOf(c).reduce((n: number, ring) => n + 4 + arrayOf(ring).length * point, 0);
    case 'MultiPoint':
      return HEADER + 4 + arrayOf(c).length * (HEADER + point);
    case 'MultiLineString':
      return HEADER + 4 + arrayOf(c).reduce((n: number, line) => n + byteLength({ type: 'LineString', coordinates: line }, dims), 0);
    case 'MultiPolygon':
      return HEADER + 4 + arrayOf(c).reduce((n: number, poly) => n + byteLength({ type: 'Polygon', coordinates: poly }, dims), 0);
    case 'GeometryCollection':
      return HEADER + 4 + (geometry.geometries ?? []).reduce((n, part) => n + byteLength(part, dims), 0);
  }
}

function writeGeometry(out: WkbBuffer, geometry: GeoJsonGeometry, dims: number): void {
  out.header(CODES[geometry.type] + (dims === 3 ? 1000 : 0));
  const c = geometry.coordinates;
  switch (geometry.type) {
    case 'Point':
      if (arrayOf(c).length === 0) out.emptyPoint(dims); // GeoJSON's empty point: WKB writes NaN coordinates
      else out.position(c as Position, dims);
      return;
    case 'LineString':
      out.positions(arrayOf(c), dims);
      return;
    case 'Polygon':
      out.uint32(arrayOf(c).length);
      for (const ring of arrayOf(c)) out.positions(arrayOf(ring), dims);
      return;
    case 'MultiPoint':
      out.uint32(arrayOf(c).length);
      for (const p of arrayOf(c)) writeGeometry(out, { type: 'Point', coordinates: p }, dims);
      return;
    case 'MultiLineString':
      out.uint32(arrayOf(c).length);
      for (const line of arrayOf(c)) writeGeometry(out, { type: 'LineString', coordinates: line }, dims);
      return;
    case 'MultiPolygon':
      out.uint32(arrayOf(c).length);
      for (const poly of arrayOf(c)) writeGeometry(out, { type: 'Polygon', coordinates: poly }, dims);
      return;
    case 'GeometryCollection':
      out.uint32(geometry.geometries?.length ?? 0);
      for (const part of geometry.geometries ?? []) writeGeometry(out, part, dims);
  }
}

function arrayOf(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new WkbError(`expected an array of coordinates, got ${JSON.stringify(value)?.slice(0, 60)}`);
  return value;
}

class WkbBuffer {
  constructor(
    private readonly view: DataView,
    private at: number,
  ) {}

  header(code: number): void {
    this.view.setUint8(this.at, 1); // little-endian
    this.view.setUint32(this.at + 1, code, true);
    this.at += HEADER;
  }

  uint32(n: number): void {
    this.view.setUint32(this.at, n, true);
    this.at += 4;
  }

  positions(list: readonly unknown[], dims: number): void {
    this.uint32(list.length);
    for (const p of list) this.position(p, dims);
  }

  position(p: unknown, dims: number): void {
    if (!Array.isArray(p) || p.length < 2) throw new WkbError(`expected a position [x, y], got ${JSON.stringify(p)?.slice(0, 60)}`);
    for (let i = 0; i < dims; i++) {
      const n = i < p.length ? p[i] : 0;
      if (typeof n !== 'number') throw new WkbError(`expected a number in position ${JSON.stringify(p).slice(0, 60)}`);
      this.view.setFloat64(this.at, n, true);
      this.at += 8;
    }
  }

  emptyPoint(dims: number): void {
    for (let i = 0; i < dims; i++) {
      this.view.setFloat64(this.at, NaN, true);
      this.at += 8;
    }
  }
}
