import GeometryFactory from 'jsts/org/locationtech/jts/geom/GeometryFactory.js';
import GeoJSONReader from 'jsts/org/locationtech/jts/io/GeoJSONReader.js';
import RelateOp from 'jsts/org/locationtech/jts/operation/relate/RelateOp.js';
import type { Entry } from '../../entry.js';
import { intersectsRectangle } from './rectangle.js';
import type { Truth } from './values.js';

/**
 * The spatial functions of CQL2 (S_INTERSECTS ... S_CONTAINS) on GeoJSON geometries, by their DE-9IM
 * matrix (OGC Simple Features), computed by jsts (the JavaScript port of JTS, which GEOS, and so DuckDB
 * and PostGIS, also derive from): exact on lines and polygons with holes, multi-geometries and
 * collections, where hand-written tests or turf's boolean-* modules each cover some pairs of types.
 * Coordinates are planar (CRS84 degrees, as CQL2 and DuckDB take them).
 */

/** A jsts geometry (its typings say little: only what is used is typed). */
interface JstsGeometry {
  getDimension(): number;
  isEmpty(): boolean;
  getEnvelopeInternal(): { intersects(other: unknown): boolean };
}

interface Matrix {
  isIntersects(): boolean;
  isDisjoint(): boolean;
  isWithin(): boolean;
  isContains(): boolean;
  isEquals(a: number, b: number): boolean;
  isTouches(a: number, b: number): boolean;
  isOverlaps(a: number, b: number): boolean;
  isCrosses(a: number, b: number): boolean;
}

const reader = new GeoJSONReader(new GeometryFactory());

/**
 * A geometry value: its bounding box, computed from the GeoJSON coordinates without jsts, and the jsts
 * geometry, made only when a box test cannot decide (converting is ~50 µs a footprint; the box, ~0.1 µs).
 */
export interface SpatialValue {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  /** The geometry is its box (a BBOX literal): a geometry strictly inside the box relates to it without a matrix. */
  readonly rectangle: boolean;
  /** The GeoJSON it was read from. */
  readonly geoJson: object;
  /** null: no position at all (an empty collection). */
  geometry(): JstsGeometry | null;
}

/** `inner`'s box strictly inside the rectangle `outer`: inner's interior meets outer's, and nothing of inner touches its boundary. */
const strictlyInside = (inner: SpatialValue, outer: SpatialValue): boolean =>
  outer.rectangle && inner.minX > outer.minX && inner.maxX < outer.maxX && inner.minY > outer.minY && inner.maxY < outer.maxY;

/** What each relation is for `a` strictly inside the rectangle `b` (undefined: it depends on the geometries). */
const A_INSIDE_B: Readonly<Record<string, boolean>> = { s_intersects: true, s_disjoint: false, s_within: true, s_contains: false, s_touches: false, s_crosses: false, s_overlaps: false, s_equals: false };
const B_INSIDE_A: Readonly<Record<string, boolean>> = { s_intersects: true, s_disjoint: false, s_within: false, s_contains: true, s_touches: false, s_crosses: false, s_overlaps: false, s_equals: false };

export type GeometryReader = (entry: Entry) => SpatialValue | null;

/** Each relation from the matrix and the two dimensions (touches, overlaps, crosses and equals depend on them). */
const RELATIONS: Readonly<Record<string, (m: Matrix, da: number, db: number) => boolean>> = {
  s_intersects: (m) => m.isIntersects(),
  s_disjoint: (m) => m.isDisjoint(),
  s_equals: (m, da, db) => m.isEquals(da, db),
  s_touches: (m, da, db) => m.isTouches(da, db),
  s_within: (m) => m.isWithin(),
  s_contains: (m) => m.isContains(),
  s_overlaps: (m, da, db) => m.isOverlaps(da, db),
  s_crosses: (m, da, db) => m.isCrosses(da, db),
};

export const isSpatialRelation = (op: string): boolean => Object.hasOwn(RELATIONS, op);

export function compileSpatialRelation(op: string, a: GeometryReader, b: GeometryReader): (entry: Entry) => Truth {
  const relation = RELATIONS[op];
  // Geometries whose boxes do not meet are disjoint: every relation but S_DISJOINT is false, without a matrix.
  const whenApart = op === 's_disjoint';
  const rectangleTest = op === 's_intersects' || op === 's_disjoint';
  return (entry) => {
    const va = a(entry);
    const vb = b(entry);
    if (va === null || vb === null) return null;
    if (va.minX > vb.maxX || vb.minX > va.maxX || va.minY > vb.maxY || vb.minY > va.maxY) return whenApart;
    if (strictlyInside(va, vb)) return A_INSIDE_B[op];
    if (strictlyInside(vb, va)) return B_INSIDE_A[op];
    if (rectangleTest) {
      const crossing = vb.rectangle ? rectangleIntersects(va.geoJson, vb) : va.rectangle ? rectangleIntersects(vb.geoJson, va) : undefined;
      if (crossing !== undefined) return op === 's_intersects' ? crossing : !crossing;
    }
    const [ga, gb] = [va.geometry(), vb.geometry()];
    if (ga === null || gb === null) return null;
    try {
      return relation(RELATIONS_MATRIX(ga, gb), ga.getDimension(), gb.getDimension());
    } catch {
      // An invalid geometry (a self-intersecting ring) has no matrix: unknown, as a missing value.
      return null;
    }
  };
}

/** intersectsRectangle, never throwing: a geometry of odd shape (a Polygon of bare positions) goes to jsts. */
function rectangleIntersects(geoJson: object, rectangle: SpatialValue): boolean | undefined {
  try {
    return intersectsRectangle(geoJson, rectangle);
  } catch {
    return undefined;
  }
}

const RELATIONS_MATRIX = (a: JstsGeometry, b: JstsGeometry): Matrix => RelateOp.relate(a, b) as Matrix;

/** A GeoJSON geometry as a SpatialValue; null when it is not one (no type, positions that are not numbers). */
export function spatialValue(value: unknown, rectangle = false): SpatialValue | null {
  if (value === null || typeof value !== 'object') return null;
  const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  if (!extend(box, value as GeoJsonLike, 0)) return null;
  let converted: JstsGeometry | null | undefined;
  return {
    ...box,
    rectangle: rectangle && box.minX < box.maxX && box.minY < box.maxY,
    geoJson: value,
    geometry: () => {
      if (converted === undefined) {
        try {
          converted = box.minX === Infinity ? null : (reader.read(value) as JstsGeometry);
        } catch {
          converted = null;
        }
      }
      return converted;
    },
  };
}

interface GeoJsonLike {
  type?: unknown;
  coordinates?: unknown;
  geometries?: unknown;
}

const MAX_DEPTH = 8;

/** Widens `box` by every position of a GeoJSON geometry; false when it is not a geometry. */
function extend(box: { minX: number; minY: number; maxX: number; maxY: number }, geometry: GeoJsonLike, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (geometry.type === 'GeometryCollection') {
    return Array.isArray(geometry.geometries) && geometry.geometries.every((g) => g !== null && typeof g === 'object' && extend(box, g as GeoJsonLike, depth + 1));
  }
  if (typeof geometry.type !== 'string') return false;
  const positions = (value: unknown, level: number): boolean => {
    if (!Array.isArray(value) || level > MAX_DEPTH) return false;
    if (typeof value[0] === 'number') {
      const [x, y] = value as number[];
      if (typeof x !== 'number' || typeof y !== 'number' || Number.isNaN(x) || Number.isNaN(y)) return false;
      if (x < box.minX) box.minX = x;
      if (x > box.maxX) box.maxX = x;
      if (y < box.minY) box.minY = y;
      if (y > box.maxY) box.maxY = y;
      return true;
    }
    for (const member of value) if (!positions(member, level + 1)) return false;
    return true;
  };
  return positions(geometry.coordinates, 0);
}

export function bboxPolygon(bbox: readonly number[]): { type: 'Polygon'; coordinates: number[][][] } {
  const [w, s, e, n] = bbox.length === 6 ? [bbox[0], bbox[1], bbox[3], bbox[4]] : bbox;
  return { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
}

/** Reads a geometry value once per object: an item's geometry named by several predicates is read once. */
export function geometryReader(read: (entry: Entry) => unknown): GeometryReader {
  const converted = new WeakMap<object, SpatialValue | null>();
  return (entry) => {
    const value = read(entry);
    if (value === null || typeof value !== 'object') return null;
    let spatial = converted.get(value);
    if (spatial === undefined) {
      spatial = spatialValue(value);
      converted.set(value, spatial);
    }
    return spatial;
  };
}
