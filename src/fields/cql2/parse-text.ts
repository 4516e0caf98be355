import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ohm from 'ohm-js';
import { canonicalOp, KNOWN_OPS, operation, type Cql2Expr, type Cql2IntervalBound, type GeoJsonGeometry, type Position } from './ast.js';
import { Cql2Error } from './errors.js';
import { bboxLiteral, dateLiteral, instantString, timestampLiteral, type Built } from './literals.js';

/**
 * CQL2 text → the tree (ast.ts). The grammar is cql2.ohm; the semantics here give calls their meaning
 * (DATE, TIMESTAMP, INTERVAL, BBOX, operators written as functions: `like(a, 'x%')`, `in(a, 'x', 'y')`).
 * A text that does not match is an ERR_CQL2_SYNTAX error at its line and column, saying what was expected;
 * a literal that matches but means nothing (`DATE('2020-02-30')`) is ERR_CQL2_LITERAL, located the same way.
 */
export function parseCql2Text(text: string, where?: string): Cql2Expr {
  const grammar = cql2Grammar();
  const match = grammar.match(text);
  if (match.failed()) throw syntaxError(text, match, where);
  try {
    return semantics()(match).ast() as Cql2Expr;
  } catch (err) {
    if (err instanceof LiteralFailure) {
      const { line, column } = lineAndColumn(text, err.offset);
      throw new Cql2Error({ code: 'ERR_CQL2_LITERAL', reason: err.reason, where, line, column, lineText: lineAt(text, line) });
    }
    throw err;
  }
}

let compiled: ohm.Grammar | undefined;
let compiledSemantics: ohm.Semantics | undefined;

/** cql2.ohm sits beside this module's source; compiled code (dist/src/fields/cql2/) reads it from the package's src/. */
function grammarPath(): string {
  const beside = fileURLToPath(new URL('./cql2.ohm', import.meta.url));
  return existsSync(beside) ? beside : fileURLToPath(new URL('../../../../src/fields/cql2/cql2.ohm', import.meta.url));
}

export function cql2Grammar(): ohm.Grammar {
  compiled ??= ohm.grammar(readFileSync(grammarPath(), 'utf8'));
  return compiled;
}

class LiteralFailure extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(reason);
  }
}

function built<T>(result: Built<T>, node: ohm.Node): T {
  if (!result.ok) throw new LiteralFailure(result.reason, node.source.startIdx);
  return result.node;
}

const num = (value: number): Cql2Expr => Object.freeze({ kind: 'number', value });

function semantics(): ohm.Semantics {
  if (compiledSemantics) return compiledSemantics;
  const s = cql2Grammar().createSemantics();
  const nary = (op: string) => (first: ohm.Node, _ops: ohm.Node, rest: ohm.Node): Cql2Expr => {
    const items = [first.ast() as Cql2Expr, ...rest.children.map((c) => c.ast() as Cql2Expr)];
    return items.length === 1 ? items[0] : operation(op, items);
  };
  const negated = (not: ohm.Node, expr: Cql2Expr): Cql2Expr => (not.numChildren > 0 ? operation('not', [expr]) : expr);
  const binary = (a: ohm.Node, op: ohm.Node, b: ohm.Node): Cql2Expr => operation(op.sourceString.toLowerCase(), [a.ast(), b.ast()]);
  s.addOperation('ast', {
    Filter: (e) => e.ast(),
    OrExpression: nary('or'),
    AndExpression: nary('and'),
    NotExpression_not: (_not, e) => operation('not', [e.ast()]),
    Predicate_compare: (a, op, b) => {
      const name = op.sourceString === '!=' ? '<>' : op.sourceString;
      return operation(name, [a.ast(), b.ast()]);
    },
    Predicate_like: (a, not, _like, b) => negated(not, operation('like', [a.ast(), b.ast()])),
    Predicate_between: (a, not, _between, lo, _and, hi) => negated(not, operation('between', [a.ast(), lo.ast(), hi.ast()])),
    Predicate_in: (a, not, _in, _open, list, _close) =>
      negated(not, operation('in', [a.ast(), Object.freeze({ kind: 'array', items: Object.freeze(list.asIteration().children.map((c) => c.ast())) })])),
    Predicate_isNull: (a, _is, not, _null) => negated(not, operation('isNull', [a.ast()])),
    Sum_binary: binary,
    Product_binary: binary,
    Power_binary: binary,
    Unary_minus: (_minus, e) => {
      const value = e.ast() as Cql2Expr;
      return value.kind === 'number' ? num(-value.value) : operation('*', [num(-1), value]);
    },
    Primary_array: (_open, first, _commas, rest, _close) =>
      Object.freeze({ kind: 'array', items: Object.freeze([first.ast(), ...rest.children.map((c) => c.ast())]) }),
    Primary_emptyArray: (_open, _close) => Object.freeze({ kind: 'array', items: Object.freeze([]) }),
    Primary_paren: (_open, e, _close) => e.ast(),
    FunctionCall: (name, _open, args, _close) => call(name, args.asIteration().children.map((c) => c.ast() as Cql2Expr)),
    Geometry: (g) => Object.freeze({ kind: 'geometry', geometry: g.geometry() }),
    number: (_n) => num(Number(_n.sourceString)),
    string: (_open, chars, _close) => Object.freeze({ kind: 'string', value: chars.sourceString.replace(/''/g, "'") }),
    boolean: (b) => Object.freeze({ kind: 'boolean', value: b.sourceString.toLowerCase() === 'true' }),
    property_quoted: (_open, name, _close) => Object.freeze({ kind: 'property', name: name.sourceString }),
    property_plain: (name) => Object.freeze({ kind: 'property', name: name.sourceString }),
  });
  s.addOperation('geometry', {
    Geometry: (g) => g.geometry(),
    Point: (_kw, _zm, _open, c, _close) => ({ type: 'Point', coordinates: c.position() }),
    LineString: (_kw, _zm, list) => ({ type: 'LineString', coordinates: list.positions() }),
    Polygon: (_kw, _zm, rings) => ({ type: 'Polygon', coordinates: rings.positions() }),
    MultiPoint: (_kw, _zm, _open, points, _close) => ({ type: 'MultiPoint', coordinates: points.asIteration().children.map((p) => p.position()) }),
    MultiLineString: (_kw, _zm, _open, lines, _close) => ({ type: 'MultiLineString', coordinates: lines.asIteration().children.map((l) => l.positions()) }),
    MultiPolygon: (_kw, _zm, _open, polygons, _close) => ({ type: 'MultiPolygon', coordinates: polygons.asIteration().children.map((p) => p.positions()) }),
    GeometryCollection: (_kw, _zm, _open, members, _close) => ({
      type: 'GeometryCollection',
      geometries: members.asIteration().children.map((m) => m.geometry()),
    }),
  } satisfies Record<string, (...nodes: ohm.Node[]) => GeoJsonGeometry>);
  s.addOperation('positions', {
    RingList: (_open, rings, _close) => rings.asIteration().children.map((r) => r.positions()),
    CoordinateList: (_open, list, _close) => list.asIteration().children.map((c) => c.position()),
  });
  s.addOperation('position', {
    PointMember_parenthesised: (_open, c, _close) => c.position(),
    Coordinate: (x, y, z, m) => [x, y, ...z.children, ...m.children].map((n) => Number(n.sourceString)) as Position,
  });

  /** A call: a literal constructor, an operator written as a function, or a function of CQL2 or the user's. */
  function call(nameNode: ohm.Node, args: Cql2Expr[]): Cql2Expr {
    const name = nameNode.sourceString;
    const lower = name.toLowerCase();
    const fail = (reason: string): never => {
      throw new LiteralFailure(reason, nameNode.source.startIdx);
    };
    const stringArg = (what: string): string => {
      const arg = args[0];
      if (args.length !== 1 || arg.kind !== 'string') fail(`${what}(...) takes one string: ${what}('...')`);
      return (arg as { value: string }).value;
    };
    switch (lower) {
      case 'date':
        return built(dateLiteral(stringArg('DATE')), nameNode);
      case 'timestamp':
        return built(timestampLiteral(stringArg('TIMESTAMP')), nameNode);
      case 'interval': {
        if (args.length !== 2) fail('INTERVAL takes two ends: INTERVAL(start, end)');
        const [start, end] = args.map((arg) => intervalBound(arg, nameNode));
        return Object.freeze({ kind: 'interval', start, end });
      }
      case 'bbox':
        return Object.freeze({ kind: 'bbox', bbox: built(bboxLiteral(args.map((a) => (a.kind === 'number' ? a.value : a))), nameNode) });
    }
    const op = canonicalOp(name);
    const arity = KNOWN_OPS.get(lower);
    if (lower === 'in' && args.length > 2) return operation(op, [args[0], Object.freeze({ kind: 'array', items: Object.freeze(args.slice(1)) })]);
    if (arity && (args.length < arity.min || args.length > arity.max)) {
      const count = arity.min === arity.max ? `${arity.min}` : `${arity.min} or more`;
      fail(`${name} takes ${count} argument${arity.min === 1 && arity.max === 1 ? '' : 's'}, not ${args.length}`);
    }
    return operation(op, args);
  }

  compiledSemantics = s;
  return s;
}

function intervalBound(arg: Cql2Expr, node: ohm.Node): Cql2IntervalBound {
  switch (arg.kind) {
    case 'string':
      return built(instantString(arg.value), node);
    case 'date':
    case 'timestamp':
    case 'property':
    case 'op':
      return arg;
    default:
      throw new LiteralFailure(`an interval's ends are strings ('..', a date or a timestamp), properties or functions, not a ${arg.kind}`, node.source.startIdx);
  }
}

function syntaxError(text: string, match: ohm.MatchResult, where: string | undefined): Cql2Error {
  // (The MatchResult API has these; ohm's typings do not.)
  const failed = match as unknown as { getRightmostFailurePosition(): number; shortMessage?: string };
  let offset = failed.getRightmostFailurePosition();
  // ohm's short message is `Line 1, col 5: expected ...`; the place is ours.
  let reason = (failed.shortMessage?.replace(/^Line \d+, col \d+: /, '') ?? 'not CQL2') + hintAt(text, offset);
  // The old filter's `= null` (ohm stops after `null`, taken for a function name): located at the word.
  const nullLiteral = /(?:=|<>|!=)\s*null\s*$/i.exec(text.slice(0, offset));
  if (nullLiteral) {
    offset = nullLiteral.index + nullLiteral[0].trimEnd().length - 4;
    reason = 'null is not a value in CQL2: test for it with IS NULL or IS NOT NULL';
  }
  const { line, column } = lineAndColumn(text, offset);
  return new Cql2Error({ code: 'ERR_CQL2_SYNTAX', reason, where, line, column, lineText: lineAt(text, line) });
}

/** What the old `path op literal` filter accepted and CQL2 spells otherwise. */
function hintAt(text: string, offset: number): string {
  const rest = text.slice(offset);
  if (rest.startsWith('=') && text[offset - 1] === '=') return ' (CQL2 compares with a single =)';
  if (rest.startsWith('"')) return ' (strings take single quotes in CQL2; double quotes name a property)';
  return '';
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

const lineAt = (text: string, line: number): string => text.split('\n')[line - 1]?.replace(/\r$/, '') ?? '';
