import { EntryError } from '../errors.js';

/**
 * GeoJSON geometry → WKT (OGC Simple Features, as GEOS, GDAL, QGIS and shapely read it): every GeoJSON type,
 * `Z` when the positions carry a third coordinate (the first position decides, as GDAL's writer does; a
 * position without one then gets 0), `EMPTY` for empty coordinate lists. Numbers in plain decimal notation
 * (1e-7 becomes 0.0000001: WKT readers differ on exponents). A `null` geometry (STAC allows it) is `null`.
 * Anything that is not a GeoJSON geometry throws a GeometryError naming what is wrong.
 */
export function geometryToWkt(geometry: unknown): string | null {
  if (geometry === null || geometry === undefined) return null;
  return wktOf(geometry, 'geometry');
}

/** A geometry that is not GeoJSON: fails the entry (the cell stays empty), the run goes on. */
export class GeometryError extends EntryError {
  constructor(message: string) {
    super('ERR_GEOMETRY', message);
  }
}

type Position = readonly number[];

const TAGS: Readonly<Record<string, string>> = {
  Point: 'POINT',
  MultiPoint: 'MULTIPOINT',
  LineString: 'LINESTRING',
  MultiLineString: 'MULTILINESTRING',
  Polygon: 'POLYGON',
  MultiPolygon: 'MULTIPOLYGON',
  GeometryCollection: 'GEOMETRYCOLLECTION',
};

/** How deep each type's `coordinates` nest (a Point is one position: depth 1). */
const DEPTHS: Readonly<Record<string, number>> = { Point: 1, MultiPoint: 2, LineString: 2, MultiLineString: 3, Polygon: 3, MultiPolygon: 4 };

function wktOf(geometry: unknown, where: string): string {
  if (geometry === null || typeof geometry !== 'object' || Array.isArray(geometry)) throw new GeometryError(`${where}: not a GeoJSON geometry object`);
  const { type } = geometry as { type?: unknown };
  const tag = typeof type === 'string' && Object.hasOwn(TAGS, type) ? TAGS[type] : undefined;
  if (tag === undefined) throw new GeometryError(`${where}: unknown GeoJSON geometry type ${JSON.stringify(type)}`);
  if (type === 'GeometryCollection') {
    const members = (geometry as { geometries?: unknown }).geometries;
    if (!Array.isArray(members)) throw new GeometryError(`${where}: a GeometryCollection needs a "geometries" array`);
    if (members.length === 0) return `${tag} EMPTY`;
    return `${tag} (${members.map((member, i) => wktOf(member, `${where}.geometries[${i}]`)).join(', ')})`;
  }
  const coordinates = (geometry as { coordinates?: unknown }).coordinates;
  const depth = DEPTHS[type as string];
  checkNesting(coordinates, depth, `${where}.coordinates`);
  const first = firstPosition(coordinates, depth);
  if (first === undefined) return `${tag} EMPTY`;
  const z = first.length >= 3;
  const body = type === 'Point' ? positionText(coordinates as Position, z) : listText(coordinates as unknown[], depth, z, type === 'MultiPoint');
  return `${tag}${z ? ' Z' : ''} ${type === 'Point' ? `(${body})` : body}`;
}

/** `(a b, c d)` for a list of positions (depth 2), `((…), (…))` for deeper lists. MultiPoint members get their own parentheses. */
function listText(list: readonly unknown[], depth: number, z: boolean, parenthesisePoints: boolean): string {
  if (list.length === 0) return 'EMPTY';
  if (depth === 2) return `(${list.map((p) => (parenthesisePoints ? `(${positionText(p as Position, z)})` : positionText(p as Position, z))).join(', ')})`;
  return `(${list.map((member) => listText(member as unknown[], depth - 1, z, false)).join(', ')})`;
}

function positionText(position: Position, z: boolean): string {
  const [x, y, third = 0] = position;
  return z ? `${decimal(x)} ${decimal(y)} ${decimal(third)}` : `${decimal(x)} ${decimal(y)}`;
}

/** Checks the arrays nest as the type says, down to positions of two or more finite numbers. */
function checkNesting(value: unknown, depth: number, where: string): void {
  if (!Array.isArray(value)) throw new GeometryError(`${where}: expected an array`);
  if (depth === 1) {
    if (value.length === 0) return; // an empty Point
    if (value.length < 2 || !value.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      throw new GeometryError(`${where}: a position is two or three finite numbers, got ${JSON.stringify(value)?.slice(0, 80)}`);
    }
    return;
  }
  value.forEach((member, i) => checkNesting(member, depth - 1, `${where}[${i}]`));
}

function firstPosition(value: unknown, depth: number): Position | undefined {
  let current = value as unknown[];
  for (let d = depth; d > 1; d -= 1) {
    const next = current.find((member) => (member as unknown[]).length > 0);
    if (next === undefined) return undefined;
    current = next as unknown[];
  }
  return current.length === 0 ? undefined : (current as Position);
}

/** A number in plain decimal notation, as short as JavaScript's own (String) where that has no exponent. */
export function decimal(n: number): string {
  const text = String(n);
  if (!/e/i.test(text)) return text;
  // 1e-7 → 0.0000001, 1.5e+21 → 1500000000000000000000: BigInt-free, exact digits of the shortest form.
  const [mantissa, exponentText] = text.split(/e/i);
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const [whole, fraction = ''] = (negative ? mantissa.slice(1) : mantissa).split('.');
  const digits = whole + fraction;
  const point = whole.length + exponent;
  const plain =
    point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${plain}` : plain;
}
