// Not src/util/instant.ts: PVL has forms ISO instants lack (day of year, `+7` zones); an unreal date is a symbol.
import type { PvlDate, PvlDateTime, PvlTime, PvlZone } from './model.js';

/**
 * Dates and times whose shape the grammar has checked, made into model nodes. A shape that is not a real
 * date (February 30, day 366 of a common year, year 0000) gives undefined: the text is then a symbol,
 * as in the reference, which reads only what Python's datetime accepts.
 */

const DATE = /^(\d{4})-(?:(\d\d)-(\d\d)|(\d{3}))$/;
const TIME = /^(\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?([zZ]|[+-]\d\d?(?::?\d\d)?)?$/;

export function makeDate(text: string): PvlDate | undefined {
  // `YYYY-MM-DD` is its own ISO text when it is a real date.
  if (text.length === 10 && isCalendarDateAt(text, 0)) return { type: 'date', text, iso: text };
  const iso = calendarDate(text);
  return iso === undefined ? undefined : { type: 'date', text, iso };
}

export function makeTime(text: string): PvlTime | undefined {
  // `HH:MM:SS[.fraction][Z]` is its own ISO text when its fields are in range.
  const end = isoClockEnd(text, 0);
  if (end === text.length) return { type: 'time', text, iso: text };
  if (end === text.length - 1 && text.charCodeAt(end) === Z) return { type: 'time', text, iso: text, zone: 'Z' };
  const t = clock(text);
  if (t === undefined) return undefined;
  return t.zone ? { type: 'time', text, iso: t.iso, zone: t.zone } : { type: 'time', text, iso: t.iso };
}

export function makeDateTime(text: string): PvlDateTime | undefined {
  // What ISIS writes, `YYYY-MM-DDTHH:MM:SS[.fraction][Z]`, is its own ISO text (no regex, no new string).
  if (text.charCodeAt(10) === T && isCalendarDateAt(text, 0)) {
    const end = isoClockEnd(text, 11);
    if (end === text.length) return { type: 'datetime', text, iso: text };
    if (end === text.length - 1 && text.charCodeAt(end) === Z) return { type: 'datetime', text, iso: text, zone: 'Z' };
  }
  return dateTimeByFields(text);
}

function dateTimeByFields(text: string): PvlDateTime | undefined {
  const split = text.search(/[tT]/);
  const date = calendarDate(text.slice(0, split));
  const t = clock(text.slice(split + 1));
  if (date === undefined || t === undefined) return undefined;
  const iso = `${date}T${t.iso}`;
  return t.zone ? { type: 'datetime', text, iso, zone: t.zone } : { type: 'datetime', text, iso };
}

const T = 0x54;
const Z = 0x5a;
const MINUS = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;

/** The value of the two ASCII digits at `p`, or -1. */
function twoDigits(text: string, p: number): number {
  const a = text.charCodeAt(p) - 0x30;
  const b = text.charCodeAt(p + 1) - 0x30;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** `YYYY-MM-DD` at `p`, a date of the proleptic Gregorian calendar from year 1 (as calendarDate checks). */
function isCalendarDateAt(text: string, p: number): boolean {
  const high = twoDigits(text, p);
  const low = twoDigits(text, p + 2);
  if (high < 0 || low < 0 || text.charCodeAt(p + 4) !== MINUS || text.charCodeAt(p + 7) !== MINUS) return false;
  const year = high * 100 + low;
  const month = twoDigits(text, p + 5);
  const day = twoDigits(text, p + 8);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  if (month !== 2) return day <= MONTH_DAYS[month - 1];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (leap ? 29 : 28);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `HH:MM:SS` then `.digits` optionally at `p`, the fields in range as clock() checks them: where it ends (a
 * zone may follow), or -1.
 */
function isoClockEnd(text: string, p: number): number {
  const hour = twoDigits(text, p);
  const minute = twoDigits(text, p + 3);
  const second = twoDigits(text, p + 6);
  if (text.charCodeAt(p + 2) !== COLON || text.charCodeAt(p + 5) !== COLON) return -1;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return -1;
  let end = p + 8;
  if (text.charCodeAt(end) !== DOT) return end;
  end += 1;
  const digitsFrom = end;
  for (let c = text.charCodeAt(end); c >= 0x30 && c <= 0x39; c = text.charCodeAt(end)) end += 1;
  return end === digitsFrom ? -1 : end;
}

function calendarDate(text: string): string | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  if (year < 1) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  let month: number;
  let day: number;
  if (m[4] !== undefined) {
    // Day of year → calendar date.
    let left = Number(m[4]);
    if (left < 1 || left > (leap ? 366 : 365)) return undefined;
    month = 0;
    while (left > monthDays[month]) left -= monthDays[month++];
    month += 1;
    day = left;
  } else {
    month = Number(m[2]);
    day = Number(m[3]);
    if (month < 1 || month > 12 || day < 1 || day > monthDays[month - 1]) return undefined;
  }
  return `${m[1]}-${pad(month)}-${pad(day)}`;
}

/** `HH:MM[:SS[.f]][zone]` → `HH:MM:SS[.f as written]` and the zone as `Z` or `±HH:MM`. */
function clock(text: string): { iso: string; zone?: PvlZone } | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  if (Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 60) return undefined;
  const zone = m[5] === undefined ? undefined : normaliseZone(m[5]);
  if (zone === null) return undefined;
  const iso = `${m[1]}:${m[2]}:${m[3] ?? '00'}${m[4] !== undefined ? `.${m[4]}` : ''}${zone ?? ''}`;
  return zone ? { iso, zone } : { iso };
}

/** `Z` → `Z`; `+7`, `+07`, `+0730`, `+07:30` → `+07:00`/`+07:30`; null when out of range. */
function normaliseZone(text: string): PvlZone | null {
  if (text === 'Z' || text === 'z') return 'Z';
  const m = /^([+-])(\d\d?)(?::?(\d\d))?$/.exec(text);
  if (!m) return null;
  const hours = Number(m[2]);
  const minutes = Number(m[3] ?? 0);
  if (hours > 23 || minutes > 59) return null;
  return `${m[1] as '+' | '-'}${pad(hours)}:${pad(minutes)}`;
}

const pad = (n: number): string => String(n).padStart(2, '0');
