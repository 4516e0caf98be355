/**
 * The product's one reader of ISO 8601 dates and date-times (the `datetime` search parameter, filter
 * literals, the values a filter compares). The PVL grammar reads its own (src/pvl/dates.ts: PVL's forms,
 * day-of-year among them) and the sandbox imitates stac-server's; HTTP dates (Retry-After, Last-Modified) are
 * another format, left to Date.parse.
 *
 * Accepted: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, then optionally `T` (or `t`, or a space) `HH:MM`, `:SS`,
 * `.digits`, and a zone `Z`/`z` or `±HH:MM`. A zone needs a time; a fraction needs seconds. Each field is
 * checked against the calendar (2009-02-30 has no such day). Callers decide which precisions they take:
 * a STAC search takes a bare year (a period) but wants seconds in a time, a filter wants at least a day.
 */
export interface IsoInstant {
  readonly year: number;
  readonly month?: number;
  readonly day?: number;
  readonly hour?: number;
  readonly minute?: number;
  readonly second?: number;
  /** The digits after the decimal point, as written ('' for none). */
  readonly fraction: string;
  /** `Z` or `±HH:MM`; undefined when the text names no zone (read as UTC). */
  readonly zone?: string;
  /** The smallest field the text gives. */
  readonly precision: IsoPrecision;
}

export type IsoPrecision = 'year' | 'month' | 'day' | 'minute' | 'second';

/** Why a text was refused: not the shape of an ISO date, or a field out of the calendar. */
export type IsoRefusal = 'shape' | 'month' | 'day' | 'hour' | 'minute' | 'second';

export type IsoReading =
  | { readonly ok: true; readonly instant: IsoInstant }
  | { readonly ok: false; readonly refused: IsoRefusal; readonly message: string };

const ISO =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|z|[+-]\d{2}:\d{2})?)?)?)?$/;

export function readIsoInstant(text: string): IsoReading {
  const m = ISO.exec(text);
  if (!m) return refuse(text, 'shape');
  const [, y, mo, d, h, mi, s, fraction = '', zone] = m;
  const year = Number(y);
  const month = mo === undefined ? undefined : Number(mo);
  const day = d === undefined ? undefined : Number(d);
  if (month !== undefined && (month < 1 || month > 12)) return refuse(text, 'month');
  if (day !== undefined && (day < 1 || day > daysInMonth(year, month!))) return refuse(text, 'day');
  if (h === undefined) {
    const precision = day !== undefined ? 'day' : month !== undefined ? 'month' : 'year';
    return { ok: true, instant: { year, month, day, fraction, precision } };
  }
  const [hour, minute] = [Number(h), Number(mi)];
  const second = s === undefined ? undefined : Number(s);
  if (hour > 23) return refuse(text, 'hour');
  if (minute > 59) return refuse(text, 'minute');
  if (second !== undefined && second > 60) return refuse(text, 'second');
  const instant: IsoInstant = {
    year,
    month,
    day,
    hour,
    minute,
    second,
    fraction,
    zone: zone?.toUpperCase(),
    precision: second === undefined ? 'minute' : 'second',
  };
  return { ok: true, instant };
}

/**
 * Microseconds since 1970-01-01T00:00:00Z: STAC datetimes carry microseconds and ISIS times seven digits,
 * more than a Date holds (digits past the sixth are cut). No zone is UTC; a period is its first instant.
 * A leap second (:60) reads as the next minute's first second.
 */
export function epochMicros(instant: IsoInstant): number {
  const date = new Date(0);
  date.setUTCFullYear(instant.year, (instant.month ?? 1) - 1, instant.day ?? 1);
  date.setUTCHours(instant.hour ?? 0, instant.minute ?? 0, instant.second ?? 0, 0);
  const micros = Number(instant.fraction.slice(0, 6).padEnd(6, '0'));
  return date.getTime() * 1000 + micros - zoneOffsetMinutes(instant.zone) * 60_000_000;
}

/** Date.UTC without its 1900 offset for years 0-99. */
export function utcMillis(year: number, monthIndex: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  return date.getTime();
}

export function daysInMonth(year: number, month: number): number {
  return new Date(utcMillis(year, month, 0)).getUTCDate();
}

function zoneOffsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
}

function refuse(text: string, refused: IsoRefusal): IsoReading {
  const message =
    refused === 'shape'
      ? `"${text}" is not an ISO 8601 date or date-time (2020-01-01T12:00:00Z, 2020-01-01, 2020-01, 2020)`
      : `"${text}" has no such ${refused}`;
  return { ok: false, refused, message };
}
