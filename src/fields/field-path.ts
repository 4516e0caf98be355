import { z } from 'zod';
import type { Entry, StacItem } from '../entry.js';
import { StacflowError } from '../errors.js';

/**
 * Field paths: how YAML names a value of an entry (DESIGN.md, "A field path reads the entry").
 *
 *     id  collection  bbox  geometry  datetime          item members, or a property by its bare name
 *     properties.gsd   gsd   proj:epsg                  properties (`:` is part of a name, as in STAC)
 *     assets.image.href   links[0].href                 any member, array indexes
 *     caminfo.Caminfo.Geometry.IncidenceAngle           a label document (fetch_label `as`), then its keys
 *     incidence_angle                                   a `select`ed name
 *     caminfo.Caminfo.Geometry.IncidenceAngle@units     the units of a quantity `{ value, units }`
 *
 * The first segment is looked up in `entry.fields`, then among the item's members (id, collection, bbox,
 * geometry, assets, properties, links), then in `properties`; exact names first, then case-insensitively.
 * Later segments match object keys exactly, then case-insensitively (PVL keys are case-insensitive).
 * An object with a `get(path)` method (a PVL document) answers the rest of the path itself.
 * A quantity `{ value, units }` reads as its value; `@units` reads its units.
 * A path is compiled once; reading a missing value gives `undefined`, never an error.
 */

/** A document that answers path queries itself (a PVL document: keys are case-insensitive there). */
export interface PathQueryable {
  get(path: string): unknown;
}

export type PathSegment = { readonly key: string } | { readonly index: number };

export interface ParsedFieldPath {
  readonly text: string;
  readonly segments: readonly PathSegment[];
  /** `@units`: read the units of a quantity instead of its value. */
  readonly suffix?: 'units';
}

export type FieldReader = (entry: Entry) => unknown;

/** A field path that cannot be parsed; `column` is 1-based within the path. */
export class FieldPathError extends StacflowError {
  readonly column: number;
  readonly reason: string;

  constructor(path: string, reason: string, column: number) {
    super('ERR_FIELD_PATH', `invalid field path '${path}': ${reason} at column ${column}`, { errorClass: 'fatal' });
    this.column = column;
    this.reason = reason;
  }
}

/** Item members a path may start with; anything else is looked up in `properties`. */
const ITEM_MEMBERS = new Set(['id', 'collection', 'bbox', 'geometry', 'assets', 'properties', 'links']);
const SUFFIXES = new Set(['units']);
/** Characters that end a key: separators, brackets, the suffix mark, whitespace. */
const KEY_CHAR = /[^.[\]@\s]/;

export function parseFieldPath(text: string): ParsedFieldPath {
  const segments: PathSegment[] = [];
  const fail = (reason: string, at: number): never => {
    throw new FieldPathError(text, reason, at + 1);
  };
  let i = 0;
  let suffix: 'units' | undefined;
  if (text.length === 0) fail('the path is empty', 0);
  while (i < text.length) {
    const start = i;
    while (i < text.length && KEY_CHAR.test(text[i])) i += 1;
    if (i === start) {
      if (text[i] === '[' && segments.length > 0) fail(`'[' must follow a name (write 'a[0]', not 'a.[0]')`, i);
      fail(`expected a name, found ${describe(text[i])}`, i);
    }
    segments.push({ key: text.slice(start, i) });
    while (text[i] === '[') {
      const close = text.indexOf(']', i);
      const digits = close < 0 ? '' : text.slice(i + 1, close);
      if (!/^\d+$/.test(digits)) fail('expected an array index such as [0]', i);
      segments.push({ index: Number(digits) });
      i = close + 1;
    }
    if (i >= text.length) break;
    if (text[i] === '.') {
      i += 1;
      if (i >= text.length) fail('expected a name after the dot', i);
      continue;
    }
    if (text[i] === '@') {
      const name = text.slice(i + 1);
      if (!SUFFIXES.has(name)) fail(`unknown suffix '@${name}' (the only one is '@units')`, i);
      suffix = 'units';
      break;
    }
    fail(`expected '.', '[' or '@units' after a name, found ${describe(text[i])}`, i);
  }
  return Object.freeze({ text, segments: Object.freeze(segments), ...(suffix ? { suffix } : {}) });
}

const describe = (ch: string | undefined): string => (ch === undefined ? 'the end' : /\s/.test(ch) ? 'a space' : `'${ch}'`);

/** Compile a path once into a reader; throws FieldPathError when the path cannot be parsed. */
export function compileFieldPath(path: string | ParsedFieldPath): FieldReader {
  const parsed = typeof path === 'string' ? parseFieldPath(path) : path;
  const [first, ...rest] = parsed.segments;
  const head = (first as { key: string }).key;
  const headLower = head.toLowerCase();
  const readRest = rest.map(toStep);
  const units = parsed.suffix === 'units';
  return (entry) => {
    let value = readHead(entry, head, headLower);
    for (let i = 0; i < readRest.length && value !== undefined; i += 1) {
      if (isPathQueryable(value)) {
        value = value.get(formatSegments(rest.slice(i)));
        break;
      }
      value = readRest[i](value);
    }
    return finish(value, units);
  };
}

/** Read one value with a path given as text (compiles it each call: prefer compileFieldPath in loops). */
export const readFieldPath = (entry: Entry, path: string): unknown => compileFieldPath(path)(entry);

/** A zod string that must be a valid field path; the issue says where the path is wrong. */
export const fieldPathSchema = z
  .string()
  .superRefine((path, ctx) => {
    try {
      parseFieldPath(path);
    } catch (err) {
      if (!(err instanceof FieldPathError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
    }
  })
  .describe('A field path: id, collection, datetime, a property name (gsd, proj:epsg), assets.<key>.href, or a field name then keys');

function readHead(entry: Entry, key: string, lower: string): unknown {
  const { fields, item } = entry;
  if (Object.hasOwn(fields, key)) return fields[key];
  if (ITEM_MEMBERS.has(key)) return (item as StacItem)[key];
  const properties = item.properties ?? {};
  if (Object.hasOwn(properties, key)) return properties[key];
  // No exact match: a case-insensitive match in fields, then in properties.
  return lookupIgnoringCase(fields, lower) ?? lookupIgnoringCase(properties, lower);
}

function toStep(segment: PathSegment): (value: unknown) => unknown {
  if ('index' in segment) {
    const { index } = segment;
    return (value) => (Array.isArray(value) ? value[index] : undefined);
  }
  const { key } = segment;
  const lower = key.toLowerCase();
  const index = /^\d+$/.test(key) ? Number(key) : undefined;
  return (value) => {
    if (value === null || typeof value !== 'object') return undefined;
    if (Array.isArray(value)) return index === undefined ? undefined : value[index];
    if (value instanceof Map) return value.has(key) ? value.get(key) : undefined;
    const record = value as Record<string, unknown>;
    if (Object.hasOwn(record, key)) return record[key];
    return lookupIgnoringCase(record, lower);
  };
}

function lookupIgnoringCase(record: Readonly<Record<string, unknown>>, lower: string): unknown {
  for (const name of Object.keys(record)) if (name.toLowerCase() === lower) return record[name];
  return undefined;
}

function isPathQueryable(value: unknown): value is PathQueryable {
  return value !== null && typeof value === 'object' && !(value instanceof Map) && typeof (value as PathQueryable).get === 'function';
}

/** A quantity `{ value, units }` (a PVL number with a unit, or any object of that shape). */
function isQuantity(value: unknown): value is { value: unknown; units: string } {
  return value !== null && typeof value === 'object' && 'value' in value && typeof (value as { units?: unknown }).units === 'string';
}

function finish(value: unknown, units: boolean): unknown {
  if (units) return isQuantity(value) ? value.units : undefined;
  return isQuantity(value) ? value.value : value;
}

/** The rest of a path as text, for a PathQueryable's `get`. */
export function formatSegments(segments: readonly PathSegment[]): string {
  return segments.map((s, i) => ('index' in s ? `[${s.index}]` : i === 0 ? s.key : `.${s.key}`)).join('');
}
