import { badRequest } from './api-error.js';
import type { SandboxCatalog } from './catalog.js';
import { geometryBox, type Box } from './geometry-box.js';
import { comparable, compareValues, fieldAccessor, valueEquals, type Accessor } from './item-fields.js';
import type { ItemPredicate } from './stac-query.js';

const SUPPORTED = ['and', 'or', 'not', '=', '<>', '<', '<=', '>', '>=', 'isNull', 'between', 'in', 'like', 's_intersects'];
const COMPARISONS = new Set(['=', '<>', '<', '<=', '>', '>=']);
const FLIPPED: Record<string, string> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

interface Expression {
  op: string;
  args: unknown[];
}

/**
 * A CQL2-JSON filter compiled to a predicate over the index: the basic subset (and/or/not, comparisons on
 * properties, `id` and `collection`, `isNull`, `between`, `in`, `like`) plus `s_intersects`, approximated by
 * bbox intersection. Anything else is a 400 naming what is unsupported.
 */
export function compileCql2(catalog: SandboxCatalog, filter: unknown, intersects: (box: Box) => ItemPredicate): ItemPredicate {
  if (filter === true || filter === false) return () => filter;
  const expr = asExpression(filter);
  const args = expr.args;
  switch (expr.op) {
    case 'and':
    case 'or': {
      const parts = args.map((arg) => compileCql2(catalog, arg, intersects));
      return expr.op === 'and' ? (g) => parts.every((p) => p(g)) : (g) => parts.some((p) => p(g));
    }
    case 'not': {
      const inner = compileCql2(catalog, args[0], intersects);
      return (g) => !inner(g);
    }
    case 'isNull': {
      const get = operand(catalog, args[0]);
      return (g) => {
        const value = get(g);
        return value === null || value === undefined;
      };
    }
    case 'between': {
      const low = compileComparison(catalog, '>=', [args[0], args[1]]);
      const high = compileComparison(catalog, '<=', [args[0], args[2]]);
      return (g) => low(g) && high(g);
    }
    case 'in': {
      if (!Array.isArray(args[1])) throw badRequest('Invalid filter: the second argument of "in" must be an array');
      const tests = args[1].map((value) => compileComparison(catalog, '=', [args[0], value]));
      return (g) => tests.some((test) => test(g));
    }
    case 'like': {
      const get = operand(catalog, args[0]);
      const pattern = likePattern(args[1]);
      return (g) => {
        const value = get(g);
        return typeof value === 'string' && pattern.test(value);
      };
    }
    case 's_intersects': {
      const [left, right] = args;
      const shape = isProperty(left) ? right : left;
      return intersects(literalBox(shape));
    }
  }
  if (COMPARISONS.has(expr.op)) return compileComparison(catalog, expr.op, args);
  throw badRequest(`Unsupported CQL2-JSON operator "${expr.op}" in filter (this server supports: ${SUPPORTED.join(', ')})`);
}

function asExpression(value: unknown): Expression {
  if (typeof value !== 'object' || value === null || typeof (value as Expression).op !== 'string' || !Array.isArray((value as Expression).args)) {
    throw badRequest(`Invalid CQL2-JSON filter: expected {"op": ..., "args": [...]}, got ${JSON.stringify(value)}`);
  }
  return value as Expression;
}

function compileComparison(catalog: SandboxCatalog, op: string, args: unknown[]): ItemPredicate {
  if (args.length !== 2) throw badRequest(`Invalid filter: "${op}" takes 2 arguments, got ${args.length}`);
  let [left, right] = args;
  if (!isProperty(left) && isProperty(right)) {
    [left, right] = [right, left];
    op = FLIPPED[op];
  }
  let get: Accessor;
  let getRight: Accessor;
  if (isProperty(left) && !isProperty(right)) {
    const prepared = comparable(catalog, left.property, literalValue(right));
    get = prepared.get;
    getRight = () => prepared.literal;
  } else {
    get = operand(catalog, left);
    getRight = operand(catalog, right);
  }
  if (op === '=') return (g) => valueEquals(get(g), getRight(g));
  if (op === '<>') return (g) => !valueEquals(get(g), getRight(g));
  const accept = { '<': (c: number) => c < 0, '<=': (c: number) => c <= 0, '>': (c: number) => c > 0, '>=': (c: number) => c >= 0 }[op as '<'];
  return (g) => {
    const order = compareValues(get(g), getRight(g));
    return order !== undefined && accept(order);
  };
}

const isProperty = (value: unknown): value is { property: string } =>
  typeof value === 'object' && value !== null && typeof (value as { property?: unknown }).property === 'string';

function operand(catalog: SandboxCatalog, value: unknown): Accessor {
  if (isProperty(value)) return fieldAccessor(catalog, value.property);
  const literal = literalValue(value);
  return () => literal;
}

/** Strings, numbers, booleans, null, `{"timestamp": ...}` and `{"date": ...}`; anything else is unsupported. */
function literalValue(value: unknown): unknown {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value;
  if (typeof value === 'object' && value !== null) {
    if ('timestamp' in value) return String((value as { timestamp: unknown }).timestamp);
    if ('date' in value) return `${String((value as { date: unknown }).date)}T00:00:00Z`;
    if ('op' in value) throw badRequest(`Unsupported filter: an expression ("${String((value as { op: unknown }).op)}") as a comparison argument`);
  }
  throw badRequest(`Unsupported filter argument ${JSON.stringify(value)} (supported: property references, strings, numbers, booleans, timestamps, dates)`);
}

function literalBox(value: unknown): Box {
  if (typeof value === 'object' && value !== null && Array.isArray((value as { bbox?: unknown }).bbox)) {
    const bbox = (value as { bbox: number[] }).bbox;
    return bbox.length === 6 ? [bbox[0], bbox[1], bbox[3], bbox[4]] : [bbox[0], bbox[1], bbox[2], bbox[3]];
  }
  const box = geometryBox(value);
  if (!box) throw badRequest(`Invalid filter: s_intersects needs a GeoJSON geometry or {"bbox": [...]}, got ${JSON.stringify(value)}`);
  return box;
}

/** CQL2 `like`: `%` any run of characters, `_` one character, `\` escapes. */
function likePattern(value: unknown): RegExp {
  if (typeof value !== 'string') throw badRequest('Invalid filter: the pattern of "like" must be a string');
  let source = '';
  for (let i = 0; i < value.length; i += 1) {
    const ch = value[i];
    if (ch === '\\' && i + 1 < value.length) source += value[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (ch === '%') source += '.*';
    else if (ch === '_') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
