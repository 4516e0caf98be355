/**
 * The one CQL2 tree both forms become (parse-text.ts, parse-json.ts), as cql2-rs's `Expr`: an operation is
 * `{ op, args }` as in CQL2 JSON, whatever its spelling in text (`a BETWEEN 1 AND 2`, `NOT x`, `T_AFTER(...)`,
 * a custom `Foo(...)` are all operations). Literals are typed nodes. Trees are frozen.
 *
 * Normalised once, so that text and JSON give equal trees: operator names as CQL2 JSON spells them (`like`, `isNull`,
 * `t_metBy`, whatever the case in text; a function name that is not CQL2's keeps its case), timestamps canonical (UTC, trailing
 * zeros of the fraction dropped: `05:30:00.000000Z` is `05:30:00Z`), `- x` as `-1 * x`, a negated number
 * as a negative number.
 */
export type Cql2Expr =
  | Cql2Property
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | Cql2Date
  | Cql2Timestamp
  | Cql2Interval
  | { readonly kind: 'geometry'; readonly geometry: GeoJsonGeometry }
  | { readonly kind: 'bbox'; readonly bbox: readonly number[] }
  | { readonly kind: 'array'; readonly items: readonly Cql2Expr[] }
  | Cql2Operation;

export interface Cql2Property {
  readonly kind: 'property';
  readonly name: string;
}

export interface Cql2Date {
  readonly kind: 'date';
  /** `YYYY-MM-DD`. */
  readonly text: string;
  /** Its first instant, microseconds since 1970 (UTC). */
  readonly micros: number;
}

export interface Cql2Timestamp {
  readonly kind: 'timestamp';
  /** Canonical: `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`. */
  readonly text: string;
  readonly micros: number;
}

/** `..`: an interval open at that end. */
export interface Cql2Unbounded {
  readonly kind: 'unbounded';
}

export type Cql2IntervalBound = Cql2Date | Cql2Timestamp | Cql2Unbounded | Cql2Property | Cql2Operation;

export interface Cql2Interval {
  readonly kind: 'interval';
  readonly start: Cql2IntervalBound;
  readonly end: Cql2IntervalBound;
}

export interface Cql2Operation {
  readonly kind: 'op';
  readonly op: string;
  readonly args: readonly Cql2Expr[];
}

/** A GeoJSON geometry (RFC 7946), as CQL2 JSON writes geometry literals. */
export type GeoJsonGeometry =
  | { readonly type: 'Point'; readonly coordinates: Position }
  | { readonly type: 'LineString' | 'MultiPoint'; readonly coordinates: readonly Position[] }
  | { readonly type: 'Polygon' | 'MultiLineString'; readonly coordinates: readonly (readonly Position[])[] }
  | { readonly type: 'MultiPolygon'; readonly coordinates: readonly (readonly (readonly Position[])[])[] }
  | { readonly type: 'GeometryCollection'; readonly geometries: readonly GeoJsonGeometry[] };

export type Position = readonly number[];

export const COMPARISON_OPS = ['=', '<>', '<', '<=', '>', '>='] as const;
export const ARITHMETIC_OPS = ['+', '-', '*', '/', '%', 'div', '^'] as const;
export const SPATIAL_OPS = ['s_intersects', 's_equals', 's_disjoint', 's_touches', 's_within', 's_overlaps', 's_crosses', 's_contains'] as const;
export const TEMPORAL_OPS = ['t_after', 't_before', 't_contains', 't_disjoint', 't_during', 't_equals', 't_finishedBy', 't_finishes',
  't_intersects', 't_meets', 't_metBy', 't_overlappedBy', 't_overlaps', 't_startedBy', 't_starts'] as const;
export const ARRAY_OPS = ['a_equals', 'a_contains', 'a_containedBy', 'a_overlaps'] as const;

export interface KnownOp {
  /** As CQL2 JSON spells it (`isNull`, `t_metBy`, `a_containedBy`). */
  readonly name: string;
  /** How many arguments it takes. */
  readonly min: number;
  readonly max: number;
}

const known = (name: string, min: number, max = min): [string, KnownOp] => [name.toLowerCase(), Object.freeze({ name, min, max })];

/** CQL2's operators and functions by their lower-case name. */
export const KNOWN_OPS: ReadonlyMap<string, KnownOp> = new Map([
  known('and', 2, Infinity),
  known('or', 2, Infinity),
  known('not', 1),
  known('like', 2),
  known('between', 3),
  known('in', 2),
  known('isNull', 1),
  known('casei', 1),
  known('accenti', 1),
  ...[...COMPARISON_OPS, ...ARITHMETIC_OPS, ...SPATIAL_OPS, ...TEMPORAL_OPS, ...ARRAY_OPS].map((op) => known(op, 2)),
]);

/** The canonical name of an operation: CQL2's own in CQL2 JSON's spelling whatever the case written, a custom function's as written. */
export const canonicalOp = (name: string): string => KNOWN_OPS.get(name.toLowerCase())?.name ?? name;

export const operation = (op: string, args: readonly Cql2Expr[]): Cql2Operation => Object.freeze({ kind: 'op', op, args: Object.freeze([...args]) });

/**
 * Canonical text of an instant (microseconds since 1970, UTC): `2012-08-10T05:30:00Z`,
 * `2005-01-10T01:01:01.393216Z` (the fraction without trailing zeros).
 */
export function formatTimestamp(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const iso = new Date(millis).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const fraction = String(micros - millis * 1000 + (millis - Math.floor(millis / 1000) * 1000) * 1000).padStart(6, '0').replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`;
}

/**
 * The first function `expr` calls that is not CQL2's own (a server-side `avg()`, `Buffer()`), or undefined:
 * what `compileCql2` would refuse, found without loading the evaluator, so a pipeline is refused at load.
 */
export function firstCustomFunction(expr: Cql2Expr): string | undefined {
  const stack: unknown[] = [expr];
  while (stack.length > 0) {
    const e = stack.pop() as { kind?: string; op?: string; args?: unknown[]; items?: unknown[] };
    if (e === null || typeof e !== 'object') continue;
    if (e.kind === 'op') {
      if (!KNOWN_OPS.has(String(e.op).toLowerCase())) return e.op;
      stack.push(...(e.args ?? []));
    } else if (e.kind === 'array') stack.push(...(e.items ?? []));
  }
  return undefined;
}

/** The property names an expression reads (for pushdown and the "never present" warning), each once, in order. */
export function propertiesOf(expr: Cql2Expr): string[] {
  const names = new Set<string>();
  const visit = (e: Cql2Expr | Cql2IntervalBound): void => {
    if (e.kind === 'property') names.add(e.name);
    else if (e.kind === 'op') e.args.forEach(visit);
    else if (e.kind === 'array') e.items.forEach(visit);
    else if (e.kind === 'interval') [e.start, e.end].forEach(visit);
  };
  visit(expr);
  return [...names];
}

/** `expr` with each property renamed by `rename` (the same tree where nothing changes). */
export function renameProperties(expr: Cql2Expr, rename: (name: string) => string): Cql2Expr {
  const visit = <E extends Cql2Expr | Cql2IntervalBound>(e: E): E => {
    switch (e.kind) {
      case 'property': {
        const name = rename(e.name);
        return (name === e.name ? e : Object.freeze({ kind: 'property', name })) as E;
      }
      case 'op':
        return operation(e.op, e.args.map(visit)) as E;
      case 'array':
        return Object.freeze({ kind: 'array', items: Object.freeze(e.items.map(visit)) }) as E;
      case 'interval':
        return Object.freeze({ kind: 'interval', start: visit(e.start), end: visit(e.end) }) as E;
      default:
        return e;
    }
  };
  return visit(expr);
}
