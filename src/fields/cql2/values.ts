import { epochMicros, readIsoInstant } from '../../util/instant.js';

/**
 * What CQL2 expressions evaluate to on an entry, and how two such values compare. A missing value is
 * `null` (undefined is read as null): every comparison with it is unknown (`null`), never true.
 */

/** A DATE, a TIMESTAMP or an INTERVAL: microseconds since 1970 (UTC); an instant has start === end; `..` is ±Infinity. */
export class Period {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}
}

/** true, false, or null for unknown (a missing value, values of different types). */
export type Truth = boolean | null;

/**
 * A value as a Period: a Period, an ISO date or date-time string (STAC's `datetime`, a label's
 * `StartTime`; a date is its midnight, no zone is UTC), or a Date; undefined when it is none.
 */
export function periodOf(value: unknown): Period | undefined {
  if (value instanceof Period) return value;
  if (typeof value === 'string') {
    const reading = readIsoInstant(value);
    if (!reading.ok || reading.instant.precision === 'year' || reading.instant.precision === 'month') return undefined;
    const micros = epochMicros(reading.instant);
    return new Period(micros, micros);
  }
  if (value instanceof Date) {
    const micros = value.getTime() * 1000;
    return Number.isNaN(micros) ? undefined : new Period(micros, micros);
  }
  return undefined;
}

/**
 * The order of two values (-1, 0, 1), or undefined when they do not compare: numbers with numbers,
 * strings with strings (by code point), booleans with booleans (false < true), instants with instants or
 * with strings that read as instants. A quantity `{ value, units }` was already read as its value.
 */
export function compareValues(a: unknown, b: unknown): number | undefined {
  const type = typeof a;
  if (type === typeof b && (type === 'number' || type === 'string' || type === 'boolean')) {
    if (type === 'number' && (Number.isNaN(a) || Number.isNaN(b))) return undefined;
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if (a instanceof Period || b instanceof Period || a instanceof Date || b instanceof Date) {
    const [x, y] = [periodOf(a), periodOf(b)];
    if (x === undefined || y === undefined || x.start !== x.end || y.start !== y.end) return undefined;
    return x.start < y.start ? -1 : x.start > y.start ? 1 : 0;
  }
  return undefined;
}

export const isMissing = (value: unknown): boolean => value === null || value === undefined;

/** CASEI: lower case, as cql2-rs and PostgreSQL's lower() do. */
export const caseFolded = (value: unknown): unknown =>
  typeof value === 'string' ? value.toLowerCase() : Array.isArray(value) ? value.map(caseFolded) : value;

/** ACCENTI: without diacritics (decomposed, combining marks removed), as unaccent does. */
export const accentFolded = (value: unknown): unknown =>
  typeof value === 'string' ? value.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC') : Array.isArray(value) ? value.map(accentFolded) : value;

/**
 * LIKE's pattern as an anchored RegExp: `%` any run of characters, `_` one character, `\` makes the next
 * character itself.
 */
export function likePattern(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]);
    else if (ch === '%') source += '.*';
    else if (ch === '_') source += '.';
    else source += escapeRegExp(ch);
  }
  return new RegExp(`^${source}$`, 'su');
}

const escapeRegExp = (ch: string): string => ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
