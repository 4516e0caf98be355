import { KNOWN_OPS, type Cql2Expr, type Cql2IntervalBound, type GeoJsonGeometry, type Position } from './ast.js';

/**
 * The tree back to CQL2 JSON and CQL2 text. Both print what parses back to an equal tree (tested on the
 * corpus); text puts parentheses around every operation inside another, so it never depends on precedence.
 */

export type Cql2Json = string | number | boolean | Cql2Json[] | { [key: string]: Cql2Json };

export function toCql2Json(expr: Cql2Expr): Cql2Json {
  switch (expr.kind) {
    case 'property':
      return { property: expr.name };
    case 'string':
    case 'number':
    case 'boolean':
      return expr.value;
    case 'date':
      return { date: expr.text };
    case 'timestamp':
      return { timestamp: expr.text };
    case 'interval':
      return { interval: [boundJson(expr.start), boundJson(expr.end)] };
    case 'geometry':
      return expr.geometry as unknown as Cql2Json;
    case 'bbox':
      return { bbox: [...expr.bbox] };
    case 'array':
      return expr.items.map(toCql2Json);
    case 'op':
      return { op: expr.op, args: expr.args.map(toCql2Json) };
  }
}

function boundJson(bound: Cql2IntervalBound): Cql2Json {
  if (bound.kind === 'unbounded') return '..';
  if (bound.kind === 'date' || bound.kind === 'timestamp') return bound.text;
  return toCql2Json(bound);
}

const COMPARISON = new Set(['=', '<>', '<', '<=', '>', '>=']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '^']);
const KEYWORDS = new Set(['and', 'or', 'not', 'like', 'between', 'in', 'is', 'null', 'div', 'true', 'false']);
const PLAIN_NAME = /^[\p{L}_:][\p{L}\p{N}_:.]*$/u;

export function toCql2Text(expr: Cql2Expr): string {
  return text(expr);
}

/** How tightly each operation binds in the grammar (cql2.ohm): OR loosest, then AND, NOT, predicates, + -, * / % DIV, ^. */
function precedence(expr: Cql2Expr): number {
  if (expr.kind !== 'op') return 8;
  const op = expr.op.toLowerCase();
  if (op === 'or') return 1;
  if (op === 'and') return 2;
  if (op === 'not') return 3;
  if (COMPARISON.has(op) || PREDICATES.has(op)) return 4;
  if (op === '+' || op === '-') return 5;
  if (op === '*' || op === '/' || op === '%' || op === 'div') return 6;
  if (op === '^') return 7;
  return 8;
}

const PREDICATES = new Set(['like', 'between', 'in', 'isnull']);

/** `expr` as text, in parentheses when it binds less tightly than `min` (so the text reads back as the same tree). */
function text(expr: Cql2Expr, min = 0): string {
  const body = bare(expr);
  return precedence(expr) < min ? `(${body})` : body;
}

function bare(expr: Cql2Expr): string {
  switch (expr.kind) {
    case 'property':
      return PLAIN_NAME.test(expr.name) && !KEYWORDS.has(expr.name.toLowerCase()) ? expr.name : `"${expr.name}"`;
    case 'string':
      return quote(expr.value);
    case 'number':
      return numberText(expr.value);
    case 'boolean':
      return expr.value ? 'TRUE' : 'FALSE';
    case 'date':
      return `DATE(${quote(expr.text)})`;
    case 'timestamp':
      return `TIMESTAMP(${quote(expr.text)})`;
    case 'interval':
      return `INTERVAL(${boundText(expr.start)}, ${boundText(expr.end)})`;
    case 'geometry':
      return wkt(expr.geometry);
    case 'bbox':
      return `BBOX(${expr.bbox.map(numberText).join(', ')})`;
    case 'array':
      return `(${expr.items.map((item) => text(item)).join(', ')})`;
    case 'op':
      return operationText(expr.op, expr.args);
  }
}

function operationText(op: string, args: readonly Cql2Expr[]): string {
  const lower = op.toLowerCase();
  // A same-level operand is parenthesised where the grammar would read it otherwise (`a - (b - c)`,
  // `(a OR b) OR c` kept as two ORs).
  if (lower === 'or') return args.map((a) => text(a, 2)).join(' OR ');
  if (lower === 'and') return args.map((a) => text(a, 3)).join(' AND ');
  if (lower === 'not') return `NOT ${text(args[0], 3)}`;
  if (COMPARISON.has(op)) return `${text(args[0], 5)} ${op} ${text(args[1], 5)}`;
  if (op === '+' || op === '-') return `${text(args[0], 5)} ${op} ${text(args[1], 6)}`;
  if (op === '*' || op === '/' || op === '%' || lower === 'div') return `${text(args[0], 6)} ${lower === 'div' ? 'DIV' : op} ${text(args[1], 7)}`;
  if (op === '^') return `${text(args[0], 8)} ^ ${text(args[1], 7)}`;
  if (lower === 'like') return `${text(args[0], 5)} LIKE ${text(args[1], 5)}`;
  if (lower === 'between') return `${text(args[0], 5)} BETWEEN ${text(args[1], 5)} AND ${text(args[2], 5)}`;
  if (lower === 'in' && args[1]?.kind === 'array') return `${text(args[0], 5)} IN (${args[1].items.map((a) => text(a, 5)).join(', ')})`;
  if (lower === 'isnull') return `${text(args[0], 5)} IS NULL`;
  const name = KNOWN_OPS.has(lower) ? lower.toUpperCase() : op;
  return `${name}(${args.map((arg) => text(arg)).join(', ')})`;
}

function boundText(bound: Cql2IntervalBound): string {
  if (bound.kind === 'unbounded') return "'..'";
  if (bound.kind === 'date' || bound.kind === 'timestamp') return quote(bound.text);
  return text(bound);
}

const quote = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** A number as text that reads back as the same number (`-0` stays `-0.0`). */
const numberText = (value: number): string => (Object.is(value, -0) ? '-0.0' : String(value));

function wkt(geometry: GeoJsonGeometry): string {
  const position = (p: Position): string => p.map(numberText).join(' ');
  const list = (ps: readonly Position[]): string => `(${ps.map(position).join(', ')})`;
  const rings = (rs: readonly (readonly Position[])[]): string => `(${rs.map(list).join(', ')})`;
  switch (geometry.type) {
    case 'Point':
      return `POINT(${position(geometry.coordinates)})`;
    case 'LineString':
      return `LINESTRING${list(geometry.coordinates)}`;
    case 'MultiPoint':
      return `MULTIPOINT${list(geometry.coordinates)}`;
    case 'Polygon':
      return `POLYGON${rings(geometry.coordinates)}`;
    case 'MultiLineString':
      return `MULTILINESTRING${rings(geometry.coordinates)}`;
    case 'MultiPolygon':
      return `MULTIPOLYGON(${geometry.coordinates.map(rings).join(', ')})`;
    case 'GeometryCollection':
      return `GEOMETRYCOLLECTION(${geometry.geometries.map(wkt).join(', ')})`;
  }
}
