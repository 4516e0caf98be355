import { epochMicros, readIsoInstant } from '../../util/instant.js';
import { formatTimestamp, type Cql2Date, type Cql2Timestamp, type GeoJsonGeometry, type Position } from './ast.js';

/** Literal values both parsers build the same way; each returns the node or a reason it is refused. */

export type Built<T> = { readonly ok: true; readonly node: T } | { readonly ok: false; readonly reason: string };

export function dateLiteral(text: string): Built<Cql2Date> {
  const reading = readIsoInstant(text);
  if (!reading.ok) return { ok: false, reason: `DATE needs a date such as '2020-01-31': ${reading.message}` };
  if (reading.instant.precision !== 'day') return { ok: false, reason: `DATE needs a whole date such as '2020-01-31', not "${text}"` };
  return { ok: true, node: Object.freeze({ kind: 'date', text, micros: epochMicros(reading.instant) }) };
}

export function timestampLiteral(text: string): Built<Cql2Timestamp> {
  const reading = readIsoInstant(text);
  if (!reading.ok) return { ok: false, reason: `TIMESTAMP needs a date-time such as '2020-01-31T12:00:00Z': ${reading.message}` };
  const { precision } = reading.instant;
  if (precision !== 'second' && precision !== 'minute') {
    return { ok: false, reason: `TIMESTAMP needs a date and a time such as '2020-01-31T12:00:00Z', not "${text}" (a date alone is DATE('...'))` };
  }
  const micros = epochMicros(reading.instant);
  return { ok: true, node: Object.freeze({ kind: 'timestamp', text: formatTimestamp(micros), micros }) };
}

/** An interval's end written as a string: `..` (open), a date or a timestamp. */
export function instantString(text: string): Built<Cql2Date | Cql2Timestamp | { readonly kind: 'unbounded' }> {
  if (text === '..') return { ok: true, node: Object.freeze({ kind: 'unbounded' }) };
  const reading = readIsoInstant(text);
  if (reading.ok && reading.instant.precision === 'day') return dateLiteral(text);
  if (reading.ok && (reading.instant.precision === 'second' || reading.instant.precision === 'minute')) return timestampLiteral(text);
  return { ok: false, reason: `an interval's ends are '..', a date ('2020-01-31') or a timestamp ('2020-01-31T12:00:00Z'), not "${text}"` };
}

export function bboxLiteral(values: readonly unknown[]): Built<readonly number[]> {
  if (values.length !== 4 && values.length !== 6) return { ok: false, reason: `BBOX takes 4 numbers (west, south, east, north) or 6, not ${values.length}` };
  if (!values.every((v) => typeof v === 'number' && Number.isFinite(v))) return { ok: false, reason: 'BBOX takes numbers only' };
  return { ok: true, node: Object.freeze([...(values as number[])]) };
}

const GEOMETRY_TYPES = new Set(['Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection']);
/** How deep each type nests its positions. */
const POSITION_DEPTH: Readonly<Record<string, number>> = { Point: 0, LineString: 1, MultiPoint: 1, Polygon: 2, MultiLineString: 2, MultiPolygon: 3 };

export const isGeometryType = (type: unknown): boolean => typeof type === 'string' && GEOMETRY_TYPES.has(type);

/**
 * A GeoJSON geometry checked for shape (positions of 2 to 4 numbers, nested as its type says, rings of 4
 * positions or more, closed); the reason names the JSON path below the geometry (`coordinates[0][2]`).
 */
export function geometryLiteral(value: Record<string, unknown>): Built<GeoJsonGeometry> & { readonly at?: string } {
  const type = value.type;
  if (!isGeometryType(type)) return { ok: false, reason: `unknown geometry type ${JSON.stringify(type)}`, at: 'type' };
  if (type === 'GeometryCollection') {
    if (!Array.isArray(value.geometries)) return { ok: false, reason: 'a GeometryCollection needs "geometries": [...]', at: 'geometries' };
    const geometries: GeoJsonGeometry[] = [];
    for (const [i, member] of value.geometries.entries()) {
      if (member === null || typeof member !== 'object' || Array.isArray(member)) return { ok: false, reason: 'expected a geometry object', at: `geometries[${i}]` };
      const built = geometryLiteral(member as Record<string, unknown>);
      if (!built.ok) return { ...built, at: `geometries[${i}]${built.at ? `.${built.at}` : ''}` };
      geometries.push(built.node);
    }
    return { ok: true, node: Object.freeze({ type, geometries: Object.freeze(geometries) }) };
  }
  const problem = checkPositions(value.coordinates, POSITION_DEPTH[type as string], type === 'Polygon' || type === 'MultiPolygon', 'coordinates');
  if (problem) return { ok: false, reason: problem.reason, at: problem.at };
  return { ok: true, node: deepFreeze({ type, coordinates: value.coordinates }) as GeoJsonGeometry };
}

function checkPositions(value: unknown, depth: number, rings: boolean, at: string): { reason: string; at: string } | undefined {
  if (depth === 0) {
    const ok = Array.isArray(value) && value.length >= 2 && value.length <= 4 && value.every((n) => typeof n === 'number' && Number.isFinite(n));
    return ok ? undefined : { reason: 'a position is 2 to 4 numbers: [x, y] or [x, y, z]', at };
  }
  if (!Array.isArray(value)) return { reason: 'expected an array of positions', at };
  for (const [i, member] of value.entries()) {
    const problem = checkPositions(member, depth - 1, rings, `${at}[${i}]`);
    if (problem) return problem;
  }
  // A Polygon's (a MultiPolygon's polygons') lists of positions are rings.
  return rings && depth === 1 ? checkRing(value as Position[], at) : undefined;
}

function checkRing(ring: readonly Position[], at: string): { reason: string; at: string } | undefined {
  if (ring.length < 4) return { reason: `a ring needs 4 positions or more (the last equal to the first), not ${ring.length}`, at };
  const [first, last] = [ring[0], ring[ring.length - 1]];
  if (first[0] !== last[0] || first[1] !== last[1]) return { reason: 'a ring must be closed: its last position equal to its first', at };
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
