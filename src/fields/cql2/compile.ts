import type { Entry } from '../../entry.js';
import { compileFieldPath, FieldPathError, type FieldReader } from '../field-path.js';
import { ARRAY_OPS, COMPARISON_OPS, TEMPORAL_OPS, type Cql2Expr, type Cql2IntervalBound, type Cql2Operation } from './ast.js';
import { Cql2Error } from './errors.js';
import { bboxPolygon, compileSpatialRelation, geometryReader, isSpatialRelation, spatialValue, type GeometryReader } from './spatial.js';
import { TEMPORAL_RELATIONS } from './temporal.js';
import { accentFolded, caseFolded, compareValues, isMissing, likePattern, Period, periodOf, type Truth } from './values.js';

/**
 * A CQL2 tree compiled once into a predicate on entries: closures, no tree walk per entry.
 *
 * - A property name is a field path (field-path.ts): a selected field, an item member (`id`,
 *   `collection`, `geometry`, `bbox`), an item property (`eo:cloud_cover`), a label's keys
 *   (`caminfo.Caminfo.Geometry.IncidenceAngle`); a name that is no field path (`"a b"`) is a property.
 * - Null semantics (SQL's, as CQL2 says): a missing or null value makes a comparison unknown; NOT unknown is
 *   unknown; AND/OR are three-valued; an entry passes when the whole filter is true. `IS NULL` is true for
 *   a missing value.
 * - Values of different types do not compare (unknown), except that a string compares as an instant with
 *   a DATE or TIMESTAMP (`datetime >= TIMESTAMP('2020-01-01T00:00:00Z')`).
 * - The predicate never throws on data; a function stacflow cannot evaluate (`avg(x)`, `Buffer(...)`) is
 *   refused here, with ERR_CQL2_UNSUPPORTED.
 */
export function compileCql2(expr: Cql2Expr, where?: string): (entry: Entry) => boolean {
  const test = compileTest(expr, where);
  return (entry) => test(entry) === true;
}

type Tester = (entry: Entry) => Truth;
type Getter = (entry: Entry) => unknown;

const COMPARISONS = new Set<string>(COMPARISON_OPS);
const TEMPORAL = new Set<string>(TEMPORAL_OPS);
const ARRAYS = new Set<string>(ARRAY_OPS);
const BOOLEAN_OPS = new Set(['and', 'or', 'not', 'like', 'between', 'in', 'isNull', ...COMPARISON_OPS, ...TEMPORAL_OPS, ...ARRAY_OPS]);

const ORDER_TEST: Readonly<Record<string, (order: number) => boolean>> = {
  '=': (o) => o === 0,
  '<>': (o) => o !== 0,
  '<': (o) => o < 0,
  '<=': (o) => o <= 0,
  '>': (o) => o > 0,
  '>=': (o) => o >= 0,
};

function compileTest(expr: Cql2Expr, where: string | undefined): Tester {
  const unsupported = (reason: string): never => {
    throw new Cql2Error({ code: 'ERR_CQL2_UNSUPPORTED', reason, where });
  };
  const test = (e: Cql2Expr): Tester => compileTest(e, where);
  const value = (e: Cql2Expr): Getter => compileValue(e, where);

  if (expr.kind === 'boolean') {
    const constant = expr.value;
    return () => constant;
  }
  if (expr.kind !== 'op' || !(BOOLEAN_OPS.has(expr.op) || isSpatialRelation(expr.op))) {
    // A property or a function that gives a boolean (`boolfield`, `NOT boolfield`).
    if (expr.kind !== 'property' && expr.kind !== 'op') unsupported(`a ${expr.kind} is not a condition`);
    const read = value(expr);
    return (entry) => {
      const v = read(entry);
      return typeof v === 'boolean' ? v : null;
    };
  }
  const { op, args } = expr;
  switch (op) {
    case 'and': {
      const parts = args.map(test);
      return (entry) => {
        let result: Truth = true;
        for (const part of parts) {
          const truth = part(entry);
          if (truth === false) return false;
          if (truth === null) result = null;
        }
        return result;
      };
    }
    case 'or': {
      const parts = args.map(test);
      return (entry) => {
        let result: Truth = false;
        for (const part of parts) {
          const truth = part(entry);
          if (truth === true) return true;
          if (truth === null) result = null;
        }
        return result;
      };
    }
    case 'not': {
      const inner = test(args[0]);
      return (entry) => {
        const truth = inner(entry);
        return truth === null ? null : !truth;
      };
    }
    case 'isNull': {
      const read = value(args[0]);
      return (entry) => isMissing(read(entry));
    }
    case 'like':
      return compileLike(value(args[0]), args[1], value(args[1]));
    case 'between': {
      const [read, low, high] = args.map(value);
      return (entry) => {
        const v = read(entry);
        const [lo, hi] = [compareValues(v, low(entry)), compareValues(v, high(entry))];
        return lo === undefined || hi === undefined ? null : lo >= 0 && hi <= 0;
      };
    }
    case 'in': {
      const read = value(args[0]);
      const list = args[1].kind === 'array' ? args[1].items.map(value) : [value(args[1])];
      return (entry) => {
        const v = read(entry);
        if (isMissing(v)) return null;
        let unknown = false;
        for (const item of list) {
          const order = compareValues(v, item(entry));
          if (order === 0) return true;
          if (order === undefined) unknown = true;
        }
        return unknown ? null : false;
      };
    }
  }
  if (COMPARISONS.has(op)) return compileComparison(op, args[0], args[1], where);
  if (TEMPORAL.has(op)) {
    const relation = TEMPORAL_RELATIONS[op];
    const [a, b] = args.map(value);
    return (entry) => {
      const [x, y] = [periodOf(a(entry)), periodOf(b(entry))];
      return x === undefined || y === undefined ? null : relation(x, y);
    };
  }
  if (ARRAYS.has(op)) return compileArrayRelation(op, value(args[0]), value(args[1]));
  if (isSpatialRelation(op)) return compileSpatialRelation(op, geometryOf(args[0], where), geometryOf(args[1], where));
  return unsupported(`${op} is not a condition`);
}

/** `a op b`; a property against a number or string literal (most filters) gets a closure of its own. */
function compileComparison(op: string, left: Cql2Expr, right: Cql2Expr, where: string | undefined): Tester {
  const holds = ORDER_TEST[op];
  if (left.kind === 'property' && (right.kind === 'number' || right.kind === 'string')) {
    const read = compileValue(left, where);
    const literal = right.value;
    const type = typeof literal;
    return (entry) => {
      const v = read(entry);
      if (typeof v === type) return holds(v === literal ? 0 : (v as number) < (literal as number) ? -1 : 1);
      const order = compareValues(v, literal);
      return order === undefined ? null : holds(order);
    };
  }
  const [a, b] = [compileValue(left, where), compileValue(right, where)];
  return (entry) => {
    const order = compareValues(a(entry), b(entry));
    return order === undefined ? null : holds(order);
  };
}

function compileLike(read: Getter, patternExpr: Cql2Expr, pattern: Getter): Tester {
  const constant = constantString(patternExpr);
  const fixed = constant === undefined ? undefined : likePattern(constant);
  let cache: { text: string; regexp: RegExp } | undefined;
  return (entry) => {
    const v = read(entry);
    if (typeof v !== 'string') return null;
    if (fixed) return fixed.test(v);
    const p = pattern(entry);
    if (typeof p !== 'string') return null;
    if (cache?.text !== p) cache = { text: p, regexp: likePattern(p) };
    return cache.regexp.test(v);
  };
}

/** A pattern known at compile time: a string, or CASEI/ACCENTI of one. */
function constantString(expr: Cql2Expr): string | undefined {
  if (expr.kind === 'string') return expr.value;
  if (expr.kind === 'op' && (expr.op === 'casei' || expr.op === 'accenti')) {
    const inner = constantString(expr.args[0]);
    if (inner === undefined) return undefined;
    return (expr.op === 'casei' ? caseFolded(inner) : accentFolded(inner)) as string;
  }
  return undefined;
}

function compileArrayRelation(op: string, a: Getter, b: Getter): Tester {
  const has = (list: readonly unknown[], v: unknown): boolean => list.some((w) => compareValues(v, w) === 0);
  const relation: (x: readonly unknown[], y: readonly unknown[]) => boolean =
    op === 'a_equals' ? (x, y) => x.every((v) => has(y, v)) && y.every((v) => has(x, v))
      : op === 'a_contains' ? (x, y) => y.every((v) => has(x, v))
        : op === 'a_containedBy' ? (x, y) => x.every((v) => has(y, v))
          : (x, y) => x.some((v) => has(y, v));
  return (entry) => {
    const [x, y] = [a(entry), b(entry)];
    return Array.isArray(x) && Array.isArray(y) ? relation(x, y) : null;
  };
}

function geometryOf(expr: Cql2Expr, where: string | undefined): GeometryReader {
  if (expr.kind === 'geometry' || expr.kind === 'bbox') {
    const literal = expr.kind === 'bbox' ? spatialValue(bboxPolygon(expr.bbox), true) : spatialValue(expr.geometry);
    if (literal === null || literal.geometry() === null) throw new Cql2Error({ code: 'ERR_CQL2_LITERAL', reason: 'the geometry literal cannot be read', where });
    return () => literal;
  }
  const read = compileValue(expr, where);
  // A property holding a bbox array ([w, s, e, n]) is a box.
  return geometryReader((entry) => {
    const v = read(entry);
    return Array.isArray(v) && (v.length === 4 || v.length === 6) && v.every((n) => typeof n === 'number') ? bboxPolygon(v) : v;
  });
}

function compileValue(expr: Cql2Expr, where: string | undefined): Getter {
  const value = (e: Cql2Expr): Getter => compileValue(e, where);
  switch (expr.kind) {
    case 'property':
      return propertyReader(expr.name);
    case 'string':
    case 'number':
    case 'boolean': {
      const constant = expr.value;
      return () => constant;
    }
    case 'date':
    case 'timestamp': {
      const period = new Period(expr.micros, expr.micros);
      return () => period;
    }
    case 'interval': {
      const [start, end] = [boundReader(expr.start, -Infinity, where), boundReader(expr.end, Infinity, where)];
      return (entry) => {
        const [s, e] = [start(entry), end(entry)];
        return s === undefined || e === undefined ? null : new Period(s, e);
      };
    }
    case 'geometry': {
      const constant = expr.geometry;
      return () => constant;
    }
    case 'bbox': {
      const constant = bboxPolygon(expr.bbox);
      return () => constant;
    }
    case 'array': {
      const items = expr.items.map(value);
      return (entry) => items.map((item) => item(entry));
    }
    case 'op':
      return operationValue(expr, where);
  }
}

function operationValue(expr: Cql2Operation, where: string | undefined): Getter {
  const { op, args } = expr;
  if (BOOLEAN_OPS.has(op) || isSpatialRelation(op)) return compileTest(expr, where);
  const value = (e: Cql2Expr): Getter => compileValue(e, where);
  switch (op) {
    case 'casei': {
      const read = value(args[0]);
      return (entry) => caseFolded(read(entry));
    }
    case 'accenti': {
      const read = value(args[0]);
      return (entry) => accentFolded(read(entry));
    }
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case 'div':
    case '^': {
      const [a, b] = args.map(value);
      const apply = ARITHMETIC[op];
      return (entry) => {
        const [x, y] = [a(entry), b(entry)];
        return typeof x === 'number' && typeof y === 'number' ? apply(x, y) : null;
      };
    }
  }
  throw new Cql2Error({
    code: 'ERR_CQL2_UNSUPPORTED',
    reason: `unknown function ${op}(): stacflow evaluates CQL2's own (CASEI, ACCENTI, S_*, T_*, A_*, arithmetic)`,
    where,
  });
}

/** Arithmetic on numbers; a division by zero is null (unknown), not Infinity. */
const ARITHMETIC: Readonly<Record<string, (a: number, b: number) => number | null>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => (b === 0 ? null : a / b),
  '%': (a, b) => (b === 0 ? null : a % b),
  div: (a, b) => (b === 0 ? null : Math.trunc(a / b)),
  '^': (a, b) => a ** b,
};

function boundReader(bound: Cql2IntervalBound, open: number, where: string | undefined): (entry: Entry) => number | undefined {
  switch (bound.kind) {
    case 'unbounded':
      return () => open;
    case 'date':
    case 'timestamp': {
      const micros = bound.micros;
      return () => micros;
    }
    default: {
      const read = compileValue(bound, where);
      return (entry) => {
        const v = read(entry);
        // A property whose value is `..` leaves that end open, as in a STAC datetime interval.
        if (v === '..') return open;
        const period = periodOf(v);
        return period === undefined ? undefined : open < 0 ? period.start : period.end;
      };
    }
  }
}

/** A property by its name: a field path when it is one, else the property of that exact name. */
function propertyReader(name: string): FieldReader {
  try {
    return compileFieldPath(name);
  } catch (err) {
    if (!(err instanceof FieldPathError)) throw err;
    return (entry) => entry.item.properties?.[name];
  }
}

