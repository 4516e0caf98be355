import type { PvlDate, PvlDateTime, PvlTime, PvlZone } from './model.js';

/**
 * Dates and times whose shape the grammar has checked, made into model nodes. A shape that is not a real
 * date (February 30, day 366 of a common year, year 0000) gives undefined: the text is then a symbol,
 * as in the reference, which reads only what Python's datetime accepts.
 */

const DATE = /^(\d{4})-(?:(\d\d)-(\d\d)|(\d{3}))$/;
const TIME = /^(\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?([zZ]|[+-]\d\d?(?::?\d\d)?)?$/;

export function makeDate(text: string): PvlDate | undefined {
  const iso = calendarDate(text);
  return iso === undefined ? undefined : { type: 'date', text, iso };
}

export function makeTime(text: string): PvlTime | undefined {
  const t = clock(text);
  return t === undefined ? undefined : { type: 'time', text, iso: t.iso, ...(t.zone ? { zone: t.zone } : {}) };
}

export function makeDateTime(text: string): PvlDateTime | undefined {
  const split = text.search(/[tT]/);
  const date = calendarDate(text.slice(0, split));
  const t = clock(text.slice(split + 1));
  if (date === undefined || t === undefined) return undefined;
  return { type: 'datetime', text, iso: `${date}T${t.iso}`, ...(t.zone ? { zone: t.zone } : {}) };
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
