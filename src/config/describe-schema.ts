import { z } from 'zod';
import type { PathSegment } from './locate.js';

/**
 * Plain words for what a schema accepts ("a positive integer", "a list of 4 numbers", "one of "GET", "POST"")
 * and for what a file holds. Works on the JSON Schema of a zod schema (`z.toJSONSchema`), a stable public
 * form, rather than on zod internals.
 */

export type JsonSchema = { [keyword: string]: unknown };

const cache = new WeakMap<z.ZodType, JsonSchema>();

/** The JSON Schema of a zod schema as a file writes it (`io: 'input'`: defaults optional), cached. */
export function inputJsonSchema(schema: z.ZodType): JsonSchema {
  let json = cache.get(schema);
  if (!json) {
    try {
      json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    } catch {
      json = {}; // a schema JSON Schema cannot express: messages fall back to zod's own terms
    }
    cache.set(schema, json);
  }
  return json;
}

/** The sub-schema that applies at `path` below `root`, if it can be told. */
export function schemaAt(root: JsonSchema, path: readonly PathSegment[]): JsonSchema | undefined {
  let here: JsonSchema | undefined = root;
  for (const segment of path) {
    if (!here) return undefined;
    here = step(root, here, segment);
  }
  return here && resolve(root, here);
}

function step(root: JsonSchema, schema: JsonSchema, segment: PathSegment): JsonSchema | undefined {
  const s = resolve(root, schema);
  for (const branches of [s.anyOf, s.oneOf, s.allOf]) {
    if (!Array.isArray(branches)) continue;
    for (const branch of branches as JsonSchema[]) {
      const found = step(root, branch, segment);
      if (found) return found;
    }
  }
  if (typeof segment === 'number') {
    const prefix = s.prefixItems as JsonSchema[] | undefined;
    return prefix?.[segment] ?? asSchema(s.items);
  }
  const properties = s.properties as Record<string, JsonSchema> | undefined;
  return properties?.[segment] ?? asSchema(s.additionalProperties);
}

const asSchema = (value: unknown): JsonSchema | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonSchema) : undefined;

function resolve(root: JsonSchema, schema: JsonSchema): JsonSchema {
  let s = schema;
  for (let hops = 0; typeof s.$ref === 'string' && hops < 16; hops++) {
    const ref: string = s.$ref;
    if (ref === '#') s = root;
    else if (ref.startsWith('#/$defs/')) s = asSchema((root.$defs as Record<string, unknown>)?.[ref.slice(8)]) ?? {};
    else if (ref.startsWith('#/definitions/')) s = asSchema((root.definitions as Record<string, unknown>)?.[ref.slice(14)]) ?? {};
    else break;
  }
  return s;
}

/** Property names a mapping schema knows (for "did you mean"), across union branches. */
export function knownKeys(schema: JsonSchema | undefined): string[] {
  if (!schema) return [];
  const keys = new Set(Object.keys((schema.properties as object | undefined) ?? {}));
  for (const branches of [schema.anyOf, schema.oneOf, schema.allOf]) {
    if (Array.isArray(branches)) for (const b of branches as JsonSchema[]) for (const k of knownKeys(b)) keys.add(k);
  }
  return [...keys];
}

/** The scalar type a schema insists on, if it accepts only numbers or only booleans (to convert `"${N}"`). */
export function onlyScalarType(root: JsonSchema, schema: JsonSchema | undefined): 'number' | 'boolean' | undefined {
  const types = new Set<string>();
  const collect = (s: JsonSchema): boolean => {
    s = resolve(root, s);
    const branches = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
    if (Array.isArray(branches)) return branches.every(collect);
    if (typeof s.type === 'string') types.add(s.type);
    else if (Array.isArray(s.type)) for (const t of s.type) types.add(String(t));
    else return false; // unconstrained, const, enum of mixed values…: leave the string alone
    return true;
  };
  if (!schema || !collect(schema)) return undefined;
  if ([...types].every((t) => t === 'number' || t === 'integer')) return 'number';
  if ([...types].every((t) => t === 'boolean')) return 'boolean';
  return undefined;
}

/** What `schema` accepts, with an article: "a positive integer", "true or false"; undefined if unsure. */
export function describeSchema(root: JsonSchema, schema: JsonSchema | undefined): string | undefined {
  if (!schema) return undefined;
  const s = resolve(root, schema);
  if ('const' in s) return quote(s.const);
  if (Array.isArray(s.enum)) return s.enum.length === 1 ? quote(s.enum[0]) : `one of ${s.enum.map(quote).join(', ')}`;
  const branches = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(branches)) {
    const parts = branches.map((b) => describeSchema(root, b));
    if (parts.some((p) => p === undefined)) return undefined;
    return [...new Set(parts)].join(' or ');
  }
  if (Array.isArray(s.type)) {
    const parts = s.type.map((t) => describeSchema(root, { ...s, type: t }));
    return parts.some((p) => p === undefined) ? undefined : parts.join(' or ');
  }
  switch (s.type) {
    case 'integer':
    case 'number':
      return describeNumber(s);
    case 'string':
      return describeString(s);
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'nothing (null)';
    case 'array':
      return describeList(root, s);
    case 'object':
      return 'a mapping';
    default:
      return undefined;
  }
}

const LIMIT = Number.MAX_SAFE_INTEGER;
const bound = (v: unknown): number | undefined => (typeof v === 'number' && Math.abs(v) < LIMIT ? v : undefined);

function describeNumber(s: JsonSchema): string {
  const integer = s.type === 'integer';
  const noun = integer ? 'integer' : 'number';
  let min = bound(s.minimum);
  let max = bound(s.maximum);
  let exMin = bound(s.exclusiveMinimum);
  let exMax = bound(s.exclusiveMaximum);
  if (integer && exMin !== undefined) [min, exMin] = [Math.floor(exMin) + 1, undefined];
  if (integer && exMax !== undefined) [max, exMax] = [Math.ceil(exMax) - 1, undefined];
  let phrase: string;
  if (max === undefined && exMax === undefined && (exMin === 0 || (integer && min === 1))) phrase = `a positive ${noun}`;
  else if (max === undefined && exMax === undefined && min === 0) phrase = `a non-negative ${noun}`;
  else if (min !== undefined && max !== undefined) phrase = `${integer ? 'an' : 'a'} ${noun} from ${min} to ${max}`;
  else {
    const limits = [
      min !== undefined ? `at least ${min}` : exMin !== undefined ? `greater than ${exMin}` : undefined,
      max !== undefined ? `at most ${max}` : exMax !== undefined ? `less than ${exMax}` : undefined,
    ].filter(Boolean);
    phrase = `${integer ? 'an' : 'a'} ${noun}${limits.length ? ` ${limits.join(' and ')}` : ''}`;
  }
  return typeof s.multipleOf === 'number' ? `${phrase} that is a multiple of ${s.multipleOf}` : phrase;
}

const FORMATS: Record<string, string> = {
  uri: 'a URL',
  url: 'a URL',
  email: 'an email address',
  'date-time': 'a date and time such as 2020-01-31T12:00:00Z',
  date: 'a date such as 2020-01-31',
  time: 'a time such as 12:00:00',
  duration: 'an ISO 8601 duration such as PT30S',
  uuid: 'a UUID',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
};

function describeString(s: JsonSchema): string {
  if (typeof s.format === 'string') return FORMATS[s.format] ?? `a ${s.format} string`;
  if (typeof s.pattern === 'string') return `a string matching /${s.pattern}/`;
  const min = bound(s.minLength);
  const max = bound(s.maxLength);
  if (min !== undefined && max !== undefined) return `a string of ${min} to ${max} characters`;
  if (max !== undefined) return `a string of at most ${max} characters`;
  if (min === 1) return 'a non-empty string';
  if (min !== undefined && min > 1) return `a string of at least ${min} characters`;
  return 'a string';
}

const PLURALS: Record<string, string> = {
  string: 'strings',
  integer: 'integers',
  number: 'numbers',
  boolean: 'true/false values',
  object: 'mappings',
  array: 'lists',
};

function describeList(root: JsonSchema, s: JsonSchema): string {
  const min = bound(s.minItems);
  const max = bound(s.maxItems);
  const items = asSchema(s.items) && resolve(root, asSchema(s.items)!);
  let of = 'items';
  if (items && typeof items.type === 'string' && PLURALS[items.type]) {
    of = items.type === 'string' && (items.format === 'uri' || items.format === 'url') ? 'URLs' : PLURALS[items.type];
  }
  if (min !== undefined && min === max) return `a list of ${min} ${of}`;
  if (min !== undefined && max !== undefined) return `a list of ${min} to ${max} ${of}`;
  if (min === 1 && max === undefined) return `a non-empty list of ${of}`;
  if (min !== undefined) return `a list of at least ${min} ${of}`;
  if (max !== undefined) return `a list of at most ${max} ${of}`;
  return `a list of ${of}`;
}

/** A value from the file, as a message shows it: `"abc"`, `-1`, `a list of 3 items`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string') return quote(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** A literal as messages quote it: strings in double quotes, the rest as written. */
export const quote = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));
