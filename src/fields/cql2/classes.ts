import { ARITHMETIC_OPS, ARRAY_OPS, COMPARISON_OPS, KNOWN_OPS, TEMPORAL_OPS, type Cql2Expr, type Cql2IntervalBound } from './ast.js';

/**
 * The CQL2 conformance classes (OGC 21-065r2, §2 and Annex A) an expression needs a server to declare before
 * it may evaluate it: what the search pushdown checks against an API's `conformsTo`. Names are the last
 * segment of `http://www.opengis.net/spec/cql2/1.0/conf/<name>`.
 */
export const CQL2_CLASS_PREFIX = 'http://www.opengis.net/spec/cql2/1.0/conf/';

export const CQL2_CLASSES = [
  'basic-cql2',
  'advanced-comparison-operators',
  'case-insensitive-comparison',
  'accent-insensitive-comparison',
  'basic-spatial-functions',
  'basic-spatial-functions-plus',
  'spatial-functions',
  'temporal-functions',
  'array-functions',
  'property-property',
  'functions',
  'arithmetic',
  'cql2-text',
  'cql2-json',
] as const;

export type Cql2ClassName = (typeof CQL2_CLASSES)[number];

const COMPARISONS = new Set<string>(COMPARISON_OPS);
const ARITHMETIC = new Set<string>(ARITHMETIC_OPS);
const TEMPORAL = new Set<string>(TEMPORAL_OPS);
const ARRAY = new Set<string>(ARRAY_OPS);
const ADVANCED = new Set(['like', 'between', 'in']);

/**
 * The classes `expr` needs, sorted. Basic CQL2 is a property compared with a literal (AND, OR, NOT, the six
 * comparisons, IS NULL); anything else (two properties, a literal on the left, a function or arithmetic as
 * an operand) is `property-property`. S_INTERSECTS of a property with a point or a BBOX is
 * `basic-spatial-functions`, with another geometry `basic-spatial-functions-plus`; other S_* need
 * `spatial-functions`.
 */
export function cql2ClassesOf(expr: Cql2Expr): Cql2ClassName[] {
  const needed = new Set<Cql2ClassName>(['basic-cql2']);
  const visit = (e: Cql2Expr | Cql2IntervalBound): void => {
    if (e.kind === 'array') e.items.forEach(visit);
    else if (e.kind === 'interval') {
      needed.add('temporal-functions');
      [e.start, e.end].forEach(visit);
    } else if (e.kind === 'op') {
      for (const name of classesOfOperation(e.op, e.args)) needed.add(name);
      e.args.forEach(visit);
    }
  };
  visit(expr);
  return CQL2_CLASSES.filter((name) => needed.has(name));
}

function classesOfOperation(op: string, args: readonly Cql2Expr[]): Cql2ClassName[] {
  if (op === 'and' || op === 'or' || op === 'not') return [];
  if (op === 'isNull') return args[0]?.kind === 'property' ? [] : ['property-property'];
  if (COMPARISONS.has(op)) return propertyThenLiteral(args) ? [] : ['property-property'];
  if (ADVANCED.has(op)) return ['advanced-comparison-operators'];
  if (op === 'casei') return ['case-insensitive-comparison'];
  if (op === 'accenti') return ['accent-insensitive-comparison'];
  if (ARITHMETIC.has(op)) return ['arithmetic'];
  if (TEMPORAL.has(op)) return ['temporal-functions'];
  if (ARRAY.has(op)) return ['array-functions'];
  if (op === 's_intersects') return [basicIntersects(args)];
  if (op.startsWith('s_')) return ['spatial-functions'];
  return KNOWN_OPS.has(op.toLowerCase()) ? [] : ['functions'];
}

/**
 * Basic CQL2's one shape of a comparison: a property on the left, a literal on the right (each may be wrapped
 * in CASEI or ACCENTI: their classes allow that much).
 */
function propertyThenLiteral(args: readonly Cql2Expr[]): boolean {
  const [left, right] = args.map(unwrapFolding);
  return left?.kind === 'property' && right !== undefined && right.kind !== 'property' && right.kind !== 'op';
}

const unwrapFolding = (e: Cql2Expr): Cql2Expr => (e.kind === 'op' && (e.op === 'casei' || e.op === 'accenti') && e.args.length === 1 ? unwrapFolding(e.args[0]) : e);

function basicIntersects(args: readonly Cql2Expr[]): Cql2ClassName {
  const [a, b] = args;
  const literal = a?.kind === 'property' ? b : b?.kind === 'property' ? a : undefined;
  if (literal === undefined) return 'spatial-functions';
  if (literal.kind === 'bbox' || (literal.kind === 'geometry' && literal.geometry.type === 'Point')) return 'basic-spatial-functions';
  return literal.kind === 'geometry' ? 'basic-spatial-functions-plus' : 'spatial-functions';
}
