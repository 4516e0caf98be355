import type { SchemaElement } from 'hyparquet-writer';
import { epochMicros, readIsoInstant } from '../../util/instant.js';
import { geometryToWkb, isGeoJsonGeometry, WkbError } from './wkb.js';

/**
 * The type of a column (or of a member nested in one), learned from values. Numbers are all `double` (a JSON
 * number is one; integers up to 2^53 stay exact), `timestamp` is microseconds in UTC, `wkb` a GeoJSON geometry
 * as ISO WKB. `null` is a type not known yet (only nulls seen); it is written as `string`. `string` is also
 * where conflicting types end (`widened`): a value that is not a string is then written as its JSON text.
 * `json` is JSON text (Parquet's JSON type) of any value: it holds every value, so nothing widens it.
 */
export type ValueType =
  | { readonly kind: 'null' | 'string' | 'double' | 'boolean' | 'timestamp' | 'wkb' | 'json' }
  | { readonly kind: 'list'; readonly item: ValueType }
  | { readonly kind: 'struct'; readonly fields: ReadonlyMap<string, ValueType> };

export const NULL_TYPE: ValueType = { kind: 'null' };
export const STRING_TYPE: ValueType = { kind: 'string' };
const DOUBLE: ValueType = { kind: 'double' };
const BOOLEAN: ValueType = { kind: 'boolean' };
export const TIMESTAMP_TYPE: ValueType = { kind: 'timestamp' };
export const WKB_TYPE: ValueType = { kind: 'wkb' };
export const JSON_TYPE: ValueType = { kind: 'json' };

/** The type of a nested value: scalars, lists, objects as structs (no timestamps or WKB below the top). */
export function typeOfValue(value: unknown): ValueType {
  if (value === null || value === undefined) return NULL_TYPE;
  if (value instanceof Date) return TIMESTAMP_TYPE; // a PVL date a step selected
  switch (typeof value) {
    case 'string':
      return STRING_TYPE;
    case 'number':
      return DOUBLE;
    case 'boolean':
      return BOOLEAN;
    case 'object':
      if (Array.isArray(value)) return { kind: 'list', item: value.reduce((t: ValueType, v) => mergeTypes(t, typeOfValue(v)), NULL_TYPE) };
      return { kind: 'struct', fields: new Map(Object.entries(value).map(([k, v]) => [k, typeOfValue(v)])) };
    default:
      return STRING_TYPE;
  }
}

/** The narrowest type holding both; two different kinds widen to `string`. */
export function mergeTypes(a: ValueType, b: ValueType): ValueType {
  if (a === b || b.kind === 'null') return a;
  if (a.kind === 'null') return b;
  if (a.kind === 'json') return a;
  if (b.kind === 'json') return b;
  if (a.kind === 'list' && b.kind === 'list') {
    const item = mergeTypes(a.item, b.item);
    return item === a.item ? a : { kind: 'list', item };
  }
  if (a.kind === 'struct' && b.kind === 'struct') {
    let fields: Map<string, ValueType> | undefined;
    for (const [name, t] of b.fields) {
      const had = a.fields.get(name);
      const merged = had ? mergeTypes(had, t) : t;
      if (merged === had) continue;
      fields ??= new Map(a.fields);
      fields.set(name, merged);
    }
    return fields ? { kind: 'struct', fields } : a;
  }
  return a.kind === b.kind ? a : STRING_TYPE;
}

/** Whether merging widened somewhere: a type that was not string became string (at any depth). */
export function widened(before: ValueType, after: ValueType): boolean {
  if (before === after) return false;
  if (after.kind === 'string') return before.kind !== 'string' && before.kind !== 'null';
  if (before.kind === 'list' && after.kind === 'list') return widened(before.item, after.item);
  if (before.kind === 'struct' && after.kind === 'struct') {
    for (const [name, t] of before.fields) if (widened(t, after.fields.get(name)!)) return true;
  }
  return false;
}

/** The type as written: unknown (`null`) and empty structs become strings, a Parquet group needs a member. */
export function settle(type: ValueType): ValueType {
  switch (type.kind) {
    case 'null':
      return STRING_TYPE;
    case 'list':
      return { kind: 'list', item: settle(type.item) };
    case 'struct':
      if (type.fields.size === 0) return STRING_TYPE;
      return { kind: 'struct', fields: new Map([...type.fields].map(([k, t]) => [k, settle(t)])) };
    default:
      return type;
  }
}

/** The Parquet schema elements of a column of `type` (depth first, as the footer lists them). */
export function schemaElements(name: string, type: ValueType): SchemaElement[] {
  const repetition_type = 'OPTIONAL';
  switch (type.kind) {
    case 'null':
    case 'string':
      return [{ name, repetition_type, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } }];
    case 'double':
      return [{ name, repetition_type, type: 'DOUBLE' }];
    case 'boolean':
      return [{ name, repetition_type, type: 'BOOLEAN' }];
    case 'timestamp':
      return [{ name, repetition_type, type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } }];
    case 'wkb':
      return [{ name, repetition_type, type: 'BYTE_ARRAY' }];
    case 'json':
      return [{ name, repetition_type, type: 'BYTE_ARRAY', converted_type: 'JSON', logical_type: { type: 'JSON' } }];
    case 'list':
      return [
        { name, repetition_type, converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        ...schemaElements('element', type.item),
      ];
    case 'struct':
      return [{ name, repetition_type, num_children: type.fields.size }, ...[...type.fields].flatMap(([k, t]) => schemaElements(k, t))];
  }
}

/** A value made ready for the writer; `lossless` is false when part of it does not fit the type (left null). */
export interface Cell {
  value: unknown;
  lossless: boolean;
}

/**
 * `value` as the writer takes it for a column of `type` (a settled one): strings, numbers, booleans, BigInt
 * microseconds, WKB bytes, arrays and objects. What does not fit (a number in a timestamp column, a member the
 * struct lacks) is left null, and the cell says it lost something.
 */
export function cellOf(value: unknown, type: ValueType): Cell {
  if (asItIs(value, type)) return { value, lossless: true }; // no copy: most assets and links are already so
  const cell: Cell = { value: undefined, lossless: true };
  cell.value = convert(value, type, cell);
  return cell;
}

function convert(value: unknown, type: ValueType, cell: Cell): unknown {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'null':
    case 'string':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'json':
      return value; // hyparquet-writer writes the JSON text of a JSON column's values
    case 'double':
      return typeof value === 'number' ? value : lost(cell);
    case 'boolean':
      return typeof value === 'boolean' ? value : lost(cell);
    case 'timestamp': {
      const micros = typeof value === 'string' ? instantMicros(value) : value instanceof Date ? dateMicros(value) : undefined;
      return micros === undefined ? lost(cell) : BigInt(micros);
    }
    case 'wkb':
      if (!isGeoJsonGeometry(value)) return lost(cell);
      try {
        return geometryToWkb(value);
      } catch (err) {
        if (err instanceof WkbError) return lost(cell);
        throw err;
      }
    case 'list':
      return Array.isArray(value) ? value.map((v) => convert(v, type.item, cell)) : lost(cell);
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value)) return lost(cell);
      const out: Record<string, unknown> = {};
      for (const [name, t] of type.fields) out[name] = convert((value as Record<string, unknown>)[name], t, cell);
      for (const name of Object.keys(value)) if (!type.fields.has(name)) cell.lossless = false;
      return out;
    }
  }
}

/** Whether the writer takes `value` unchanged for `type`: the common case, checked without allocating. */
function asItIs(value: unknown, type: ValueType): boolean {
  if (value === null || value === undefined) return true;
  switch (type.kind) {
    case 'null':
    case 'string':
      return typeof value === 'string';
    case 'double':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'json':
      return true;
    case 'timestamp':
    case 'wkb':
      return false;
    case 'list':
      if (!Array.isArray(value)) return false;
      for (const item of value) if (!asItIs(item, type.item)) return false;
      return true;
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return false;
      for (const name in value) {
        const member = type.fields.get(name);
        if (member === undefined || !asItIs((value as Record<string, unknown>)[name], member)) return false;
      }
      return true;
    }
  }
}

function lost(cell: Cell): null {
  cell.lossless = false;
  return null;
}

function dateMicros(date: Date): number | undefined {
  const ms = date.getTime();
  return Number.isNaN(ms) ? undefined : ms * 1000;
}

/** Microseconds since the epoch of an ISO date-time with at least minutes (a bare date is not an instant here). */
export function instantMicros(text: string): number | undefined {
  const fast = utcInstantMicros(text);
  if (fast !== undefined) return fast;
  const reading = readIsoInstant(text);
  if (!reading.ok || reading.instant.hour === undefined) return undefined;
  return epochMicros(reading.instant);
}

/**
 * The common form STAC APIs send, `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (years from 1900), read by character codes:
 * a fifth of the general reader's cost, five times a row. Anything else (other zones, leap seconds, a day not
 * in the month) is left to the general reader (undefined here), which decides.
 */
function utcInstantMicros(t: string): number | undefined {
  const n = t.length;
  if (n < 20 || n > 27 || t.charCodeAt(n - 1) !== 90 /* Z */ || t.charCodeAt(10) !== 84 /* T */) return undefined;
  if (t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58) return undefined;
  const year = digits(t, 0, 4);
  const month = digits(t, 5, 2);
  const day = digits(t, 8, 2);
  const hour = digits(t, 11, 2);
  const minute = digits(t, 14, 2);
  const second = digits(t, 17, 2);
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > 28 + (month === 2 ? (isLeap(year) ? 1 : 0) : DAYS_PAST_28[month])) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  let micros = 0;
  if (n > 20) {
    const places = n - 21;
    if (t.charCodeAt(19) !== 46 /* . */ || places < 1 || places > 6) return undefined;
    micros = digits(t, 20, places);
    if (micros < 0) return undefined;
    micros *= 10 ** (6 - places);
  } else if (n !== 20) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second) * 1000 + micros;
}

/** Days a month has past the 28th (February: see isLeap). */
const DAYS_PAST_28 = [0, 3, 0, 3, 2, 3, 2, 3, 3, 2, 3, 2, 3];
const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** The number written by `count` decimal digits from `at`, or -1 when one is not a digit. */
function digits(t: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}
