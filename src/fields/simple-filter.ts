import { z } from 'zod';
import type { Entry } from '../entry.js';
import { StacflowError } from '../errors.js';
import { epochMicros, readIsoInstant } from '../util/instant.js';
import { compileFieldPath, FieldPathError, parseFieldPath, type ParsedFieldPath } from './field-path.js';

/**
 * The `filter` step's expression language, until CQL2 replaces it: comparisons `path op literal` joined
 * by `AND` (any case).
 *
 *     incidence_angle < 80 AND collection = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations'
 *     datetime >= 2009-06-07T14:00:00Z AND proj:epsg = null
 *
 * - ops: `=` `==` `!=` `<>` `<` `<=` `>` `>=`
 * - literals: numbers, strings in '…' or "…" (a doubled quote inside stands for itself), true, false,
 *   null, and bare ISO dates/date-times, compared as instants (µs) with date-time strings (no zone: UTC).
 * - A missing or null value never matches (as in SQL), except `= null` (missing or null) and `!= null`.
 * - A value of another type than the literal (a string against a number…) does not match, whatever the op.
 *
 * The text is parsed once, at load; a syntax error says what was expected and at which column.
 */

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Literal =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'datetime'; readonly text: string; readonly micros: number };

export interface Comparison {
  readonly path: ParsedFieldPath;
  readonly op: CompareOp;
  readonly literal: Literal;
  /** 1-based column of the comparison in the expression. */
  readonly column: number;
}

export interface SimpleFilter {
  readonly text: string;
  readonly clauses: readonly Comparison[];
}

/** The expression cannot be parsed; `column` is 1-based. Raised at load: the pipeline is invalid. */
export class FilterSyntaxError extends StacflowError {
  readonly column: number;
  readonly reason: string;

  constructor(reason: string, column: number) {
    super('ERR_FILTER_SYNTAX', `${reason} at column ${column}`, { errorClass: 'fatal' });
    this.column = column;
    this.reason = reason;
  }
}

const OPS: ReadonlyArray<[string, CompareOp]> = [
  ['==', '='], ['!=', '!='], ['<>', '!='], ['<=', '<='], ['>=', '>='], ['=', '='], ['<', '<'], ['>', '>'],
];
const OP_LIST = '=, !=, <, <=, >, >=';
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const isSpace = (ch: string | undefined): boolean => ch !== undefined && /\s/.test(ch);
const isPathEnd = (ch: string | undefined): boolean => ch === undefined || isSpace(ch) || "=!<>'\"".includes(ch);

export function parseSimpleFilter(text: string): SimpleFilter {
  let i = 0;
  const fail = (reason: string, at: number): never => {
    throw new FilterSyntaxError(reason, at + 1);
  };
  const skipSpace = (): void => {
    while (isSpace(text[i])) i += 1;
  };
  const found = (): string => {
    if (i >= text.length) return '';
    const end = text.slice(i).search(/\s/);
    return `, found '${end < 0 ? text.slice(i) : text.slice(i, i + end)}'`;
  };

  const comparison = (): Comparison => {
    skipSpace();
    const start = i;
    while (!isPathEnd(text[i])) i += 1;
    if (i === start) fail(i >= text.length ? 'expected a field path' : `expected a field path${found()}`, i);
    const pathText = text.slice(start, i);
    let path: ParsedFieldPath;
    try {
      path = parseFieldPath(pathText);
    } catch (err) {
      if (err instanceof FieldPathError) fail(`invalid field path '${pathText}': ${err.reason}`, start + err.column - 1);
      throw err;
    }
    skipSpace();
    const match = OPS.find(([token]) => text.startsWith(token, i));
    if (!match) fail(`expected an operator (${OP_LIST}) after '${pathText}'${found()}`, i);
    const [token, op] = match!;
    const opAt = i;
    i += token.length;
    skipSpace();
    const literal = literalAt(token);
    if ((literal.kind === 'null' || literal.kind === 'boolean') && op !== '=' && op !== '!=') {
      fail(`'${token}' cannot compare with ${literal.kind === 'null' ? 'null' : 'true/false'}: use = or !=`, opAt);
    }
    return Object.freeze({ path, op, literal, column: start + 1 });
  };

  const literalAt = (after: string): Literal => {
    const start = i;
    if (i >= text.length) fail(`expected a literal after '${after}'`, i);
    const quote = text[i];
    if (quote === "'" || quote === '"') {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) fail(`unterminated string (add the closing ${quote})`, start);
        if (text[i] === quote) {
          if (text[i + 1] !== quote) break;
          i += 1; // a doubled quote is one quote
        }
        value += text[i];
        i += 1;
      }
      i += 1;
      if (i < text.length && !isSpace(text[i])) fail(`expected a space after the string${found()}`, i);
      return { kind: 'string', value };
    }
    while (i < text.length && !isSpace(text[i])) i += 1;
    const word = text.slice(start, i);
    const lower = word.toLowerCase();
    if (lower === 'null') return { kind: 'null' };
    if (lower === 'true' || lower === 'false') return { kind: 'boolean', value: lower === 'true' };
    if (NUMBER.test(word)) return { kind: 'number', value: Number(word) };
    if (/^\d{4}-\d{2}-\d{2}/.test(word)) {
      const micros = parseInstant(word);
      if (micros === undefined) fail(`'${word}' is not a valid ISO date or date-time`, start);
      return { kind: 'datetime', text: word, micros: micros! };
    }
    i = start;
    return fail(`expected a literal after '${after}'${found()} (quote text: '${word}')`, start);
  };

  skipSpace();
  if (i >= text.length) fail('the expression is empty: write comparisons such as incidence_angle < 80', i);
  const clauses = [comparison()];
  for (;;) {
    skipSpace();
    if (i >= text.length) break;
    const wordEnd = text.slice(i).search(/\s|$/);
    const word = text.slice(i, i + wordEnd);
    if (word.toLowerCase() !== 'and') {
      const hint = word.toLowerCase() === 'or' ? ' (OR is not supported: use one pipeline step per alternative)' : '';
      fail(`expected AND or the end of the expression${found()}${hint}`, i);
    }
    i += wordEnd;
    skipSpace();
    if (i >= text.length) fail('expected a comparison after AND', i);
    clauses.push(comparison());
  }
  return Object.freeze({ text, clauses: Object.freeze(clauses) });
}

/** Compile a parsed (or textual) expression into a predicate; the predicate never throws on data. */
export function compileSimpleFilter(filter: SimpleFilter | string): (entry: Entry) => boolean {
  const parsed = typeof filter === 'string' ? parseSimpleFilter(filter) : filter;
  const tests = parsed.clauses.map(compileComparison);
  return (entry) => tests.every((test) => test(entry));
}

/** A zod string that must parse as a filter expression; the issue gives the column. */
export const simpleFilterSchema = z.string().superRefine((text, ctx) => {
  try {
    parseSimpleFilter(text);
  } catch (err) {
    if (!(err instanceof FilterSyntaxError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
  }
});

function compileComparison({ path, op, literal }: Comparison): (entry: Entry) => boolean {
  const read = compileFieldPath(path);
  if (literal.kind === 'null') {
    return op === '=' ? (entry) => read(entry) == null : (entry) => read(entry) != null;
  }
  const holds = OP_TEST[op];
  switch (literal.kind) {
    case 'number':
      return (entry) => {
        const v = read(entry);
        return typeof v === 'number' && !Number.isNaN(v) && holds(compare(v, literal.value));
      };
    case 'string':
      return (entry) => {
        const v = read(entry);
        return typeof v === 'string' && holds(compare(v, literal.value));
      };
    case 'boolean':
      return (entry) => {
        const v = read(entry);
        return typeof v === 'boolean' && holds(v === literal.value ? 0 : 1);
      };
    case 'datetime':
      return (entry) => {
        const micros = instantOf(read(entry));
        return micros !== undefined && holds(compare(micros, literal.micros));
      };
  }
}

const OP_TEST: Record<CompareOp, (order: number) => boolean> = {
  '=': (o) => o === 0,
  '!=': (o) => o !== 0,
  '<': (o) => o < 0,
  '<=': (o) => o <= 0,
  '>': (o) => o > 0,
  '>=': (o) => o >= 0,
};

const compare = <T extends number | string>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);

function instantOf(value: unknown): number | undefined {
  if (typeof value === 'string') return parseInstant(value);
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime() * 1000;
  return undefined;
}

/**
 * Microseconds since 1970-01-01T00:00:00Z of an ISO date or date-time (src/util/instant.ts: STAC's
 * microseconds, ISIS's seven digits cut to six, no zone is UTC, a date alone is its midnight), or undefined.
 * A filter compares instants, so a bare year or month (a period) is not one.
 */
export function parseInstant(text: string): number | undefined {
  const reading = readIsoInstant(text);
  if (!reading.ok) return undefined;
  const { precision } = reading.instant;
  return precision === 'year' || precision === 'month' ? undefined : epochMicros(reading.instant);
}
