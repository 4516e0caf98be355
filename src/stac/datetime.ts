import { StacParameterError } from './errors.js';

/**
 * The `datetime` search parameter, normalised to what the STAC API spec asks for: one RFC 3339 instant, or
 * an interval `start/end` whose open end is `..`. Follows pystac-client's `_format_datetime`:
 *
 * - `2017` → `2017-01-01T00:00:00Z/2017-12-31T23:59:59Z`; `2017-06` and `2017-06-10` likewise cover the
 *   whole month or day; in an interval the start takes the first second, the end the last one
 *   (`2017-06/2017-07` → `2017-06-01T00:00:00Z/2017-07-31T23:59:59Z`);
 * - a date-time without an offset is UTC (`Z` is added); one with an offset is kept as written;
 * - open ends: `..`, an empty string (`2020-01-01/`) or, in a list, `null`;
 * - a `Date` (a YAML 1.1 timestamp) is an instant, written in UTC.
 */
export type DatetimeInput = string | Date | ReadonlyArray<string | Date | null | undefined>;

export const OPEN = '..';

const DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Normalises `value`; throws StacParameterError naming `datetime` and the part it could not read. */
export function formatDatetime(value: DatetimeInput): string {
  const parts: Array<string | Date | null | undefined> =
    typeof value === 'string' ? value.split('/') : value instanceof Date ? [value] : [...value];
  if (parts.length === 0 || parts.length > 2) {
    throw new StacParameterError('datetime', `expected an instant or an interval start/end, got ${describe(value)}`);
  }
  if (parts.length === 1) {
    const only = component(parts[0]);
    if (only.start === OPEN) {
      throw new StacParameterError('datetime', 'an open end needs the other end: write "2020-01-01/.." or "../2020-01-01"');
    }
    return only.end === undefined ? only.start : `${only.start}/${only.end}`;
  }
  const first = component(parts[0]);
  const second = component(parts[1]);
  const start = first.start;
  const end = second.end ?? second.start;
  if (start === OPEN && end === OPEN) {
    throw new StacParameterError('datetime', 'both ends of the interval are open: give a start, an end, or both');
  }
  if (start !== OPEN && end !== OPEN && Date.parse(start) > Date.parse(end)) {
    throw new StacParameterError('datetime', `the interval starts (${start}) after it ends (${end})`);
  }
  return `${start}/${end}`;
}

interface Component {
  /** First instant, or `..`. */
  start: string;
  /** Last instant when the component is a year, month or day; undefined for an exact instant. */
  end?: string;
}

function component(part: string | Date | null | undefined): Component {
  if (part === null || part === undefined) return { start: OPEN };
  if (part instanceof Date) return { start: instant(part) };
  const text = part.trim();
  if (text === '' || text === OPEN) return { start: OPEN };
  const m = DATE_TIME.exec(text);
  if (!m) {
    throw new StacParameterError(
      'datetime',
      `cannot read "${part}": write an RFC 3339 date-time (2020-01-01T12:00:00Z), a date (2020-01-01, 2020-01, 2020) or ".."`,
    );
  }
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo === undefined ? undefined : Number(mo);
  const day = d === undefined ? undefined : Number(d);
  if (month !== undefined && (month < 1 || month > 12)) throw badPart(part, 'month');
  if (day !== undefined && (day < 1 || day > daysIn(year, month!))) throw badPart(part, 'day');
  if (h !== undefined) {
    if (Number(h) > 23) throw badPart(part, 'hour');
    if (Number(mi) > 59) throw badPart(part, 'minute');
    if (Number(s) > 60) throw badPart(part, 'second');
    const zone = tz === undefined ? 'Z' : tz.toUpperCase();
    return { start: `${y}-${mo}-${d}T${h}:${mi}:${s}${frac ?? ''}${zone}` };
  }
  // A year, month or day: the whole period, from its first to its last second (UTC).
  const from = utc(year, (month ?? 1) - 1, day ?? 1);
  const to =
    day !== undefined ? utc(year, month! - 1, day + 1) : month !== undefined ? utc(year, month, 1) : utc(year + 1, 0, 1);
  return { start: instant(new Date(from)), end: instant(new Date(to - 1000)) };
}

/** `2020-01-01T00:00:00Z`, with milliseconds only when there are some. */
function instant(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new StacParameterError('datetime', 'invalid date');
  return date.toISOString().replace('.000Z', 'Z');
}

/** Date.UTC without its 1900 offset for years 0-99. */
function utc(year: number, monthIndex: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  return date.getTime();
}

function daysIn(year: number, month: number): number {
  return new Date(utc(year, month, 0)).getUTCDate();
}

function badPart(part: string, what: string): StacParameterError {
  return new StacParameterError('datetime', `"${part}" has no such ${what}`);
}

function describe(value: DatetimeInput): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}
