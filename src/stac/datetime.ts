import { epochMicros, readIsoInstant, utcMillis } from '../util/instant.js';
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
  if (start !== OPEN && end !== OPEN && first.startMicros! > (second.endMicros ?? second.startMicros!)) {
    throw new StacParameterError('datetime', `the interval starts (${start}) after it ends (${end})`);
  }
  return `${start}/${end}`;
}

interface Component {
  /** First instant, or `..`. */
  start: string;
  /** Last instant when the component is a year, month or day; undefined for an exact instant. */
  end?: string;
  /** The instants in microseconds, to put the ends in order (undefined for `..`). */
  startMicros?: number;
  endMicros?: number;
}

function component(part: string | Date | null | undefined): Component {
  if (part === null || part === undefined) return { start: OPEN };
  if (part instanceof Date) return { start: instant(part), startMicros: part.getTime() * 1000 };
  const text = part.trim();
  if (text === '' || text === OPEN) return { start: OPEN };
  const reading = readIsoInstant(text);
  if (!reading.ok) {
    if (reading.refused !== 'shape') throw badPart(part, reading.refused);
    throw cannotRead(part);
  }
  const read = reading.instant;
  // RFC 3339 wants seconds in a time; a bare year, month or day is a period.
  if (read.precision === 'minute') throw cannotRead(part);
  if (read.precision === 'second') {
    const day = isoDay(read.year, read.month!, read.day!);
    const fraction = read.fraction === '' ? '' : `.${read.fraction}`;
    const start = `${day}T${two(read.hour!)}:${two(read.minute!)}:${two(read.second!)}${fraction}${read.zone ?? 'Z'}`;
    return { start, startMicros: epochMicros(read) };
  }
  // A year, month or day: the whole period, from its first to its last second (UTC).
  const { year, month, day } = read;
  const from = utcMillis(year, (month ?? 1) - 1, day ?? 1);
  const to =
    day !== undefined
      ? utcMillis(year, month! - 1, day + 1)
      : month !== undefined
        ? utcMillis(year, month, 1)
        : utcMillis(year + 1, 0, 1);
  return {
    start: instant(new Date(from)),
    end: instant(new Date(to - 1000)),
    startMicros: from * 1000,
    endMicros: (to - 1000) * 1000,
  };
}

/** `2020-01-01T00:00:00Z`, with milliseconds only when there are some. */
function instant(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new StacParameterError('datetime', 'invalid date');
  return date.toISOString().replace('.000Z', 'Z');
}

const two = (n: number): string => String(n).padStart(2, '0');
const isoDay = (year: number, month: number, day: number): string =>
  `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}`;

function cannotRead(part: string): StacParameterError {
  return new StacParameterError(
    'datetime',
    `cannot read "${part}": write an RFC 3339 date-time (2020-01-01T12:00:00Z), a date (2020-01-01, 2020-01, 2020) or ".."`,
  );
}

function badPart(part: string, what: string): StacParameterError {
  return new StacParameterError('datetime', `"${part}" has no such ${what}`);
}

function describe(value: DatetimeInput): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}
