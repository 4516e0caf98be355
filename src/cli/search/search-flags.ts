import { open } from 'node:fs/promises';
import type { SearchArgs } from '../commands/search.js';
import { UsageError } from '../main.js';

/**
 * The flags of `stacflow search` as the options of a `stac_search` stage (snake_case, as a pipeline file
 * writes them), shaped the way pystac-client's cli.py shapes its arguments: lists from several values or
 * commas, `--query` from `KEY OP VALUE`, `--header` from `KEY=VALUE`, `--intersects` from a file or JSON text.
 * Only the shape is checked here; the values are checked by the stage's own schema (search-pipeline.ts).
 */
export async function stacSearchOptionsOf(given: SearchArgs, warn: (message: string) => void): Promise<Record<string, unknown>> {
  const args = withApi(given);
  const options: Record<string, unknown> = { api: args.api };
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) options[key] = value;
  };
  set('collections', listOf(args.collections));
  set('ids', listOf(args.ids));
  set('bbox', args.bbox === undefined ? undefined : bboxOf(args.bbox));
  set('intersects', args.intersects === undefined ? undefined : await intersectsOf(args.intersects, warn));
  set('datetime', args.datetime);
  set('query', args.query === undefined ? undefined : queryOf(args.query));
  set('filter', args.filter === undefined ? undefined : filterOf(args.filter, args.filterLang));
  set('filter_lang', args.filterLang);
  set('sortby', listOf(args.sortby));
  set('fields', listOf(args.fields));
  set('limit', args.limit);
  set('max_items', args.maxItems);
  set('method', args.method);
  set('headers', args.header === undefined ? undefined : headersOf(args.header));
  set('conforms_to', listOf(args.conformsTo));
  if (args.checkConformance === false) options.check_conformance = false;
  return options;
}

/** Flags taking several values, which take the API too when it comes after them (`--bbox 3 4 5 6 URL`). */
const LIST_FLAGS = ['bbox', 'collections', 'ids', 'query', 'sortby', 'fields', 'header', 'conformsTo'] as const;

/**
 * The arguments with the API where it belongs: a list flag before it swallows it (yargs gives every value up
 * to the next flag to the list), so a trailing http(s) URL of the last such list is the API, as meant.
 */
function withApi(args: SearchArgs): SearchArgs & { api: string } {
  if (args.api !== undefined) return { ...args, api: args.api };
  for (const flag of LIST_FLAGS) {
    const values = args[flag];
    const last = values?.[values.length - 1];
    if (values && last !== undefined && /^https?:\/\//i.test(last)) return { ...args, [flag]: values.slice(0, -1), api: last };
  }
  throw new UsageError('name the STAC API to search: stacflow search API [flags] (https://stac.astrogeology.usgs.gov/api/)');
}

/** Each stac_search option's flag, for messages (`--max-items: ...`). */
export const FLAG_OF: Readonly<Record<string, string>> = Object.freeze({
  api: 'API',
  collections: '--collections',
  ids: '--ids',
  bbox: '--bbox',
  intersects: '--intersects',
  datetime: '--datetime',
  query: '--query',
  filter: '--filter',
  filter_lang: '--filter-lang',
  sortby: '--sortby',
  fields: '--fields',
  limit: '--limit',
  max_items: '--max-items',
  method: '--method',
  headers: '--header',
  conforms_to: '--conforms-to',
  check_conformance: '--check-conformance',
});

/** `-c a b`, `-c a,b` and `-c a -c b` alike: one list, without empty parts (a trailing comma). */
function listOf(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const list = values.flatMap((value) => String(value).split(',')).map((v) => v.trim()).filter((v) => v !== '');
  return list.length === 0 ? undefined : list;
}

/** `--bbox 3 4 5 6` or `--bbox 3,4,5,6`: numbers, counted and ranged by the stage's schema. */
function bboxOf(values: readonly string[]): number[] {
  const parts = values.flatMap((value) => String(value).split(',')).map((v) => v.trim()).filter((v) => v !== '');
  const notNumbers = parts.filter((part) => !Number.isFinite(Number(part)));
  if (notNumbers.length > 0) {
    const url = notNumbers.find((part) => /^https?:\/\//i.test(part));
    const hint = url ? ` (the API goes before --bbox: stacflow search ${url} --bbox ...)` : '';
    throw new UsageError(`--bbox: expected numbers west south east north, got ${notNumbers.map((p) => JSON.stringify(p)).join(', ')}${hint}`);
  }
  return parts.map(Number);
}

/** The biggest --intersects file read: a search geometry, not a data set. */
const MAX_INTERSECTS_BYTES = 16 * 1024 * 1024;

/**
 * `--intersects`: JSON text when it starts with `{`, else a file holding GeoJSON. A Feature gives its geometry
 * (the stage does that), a FeatureCollection its first feature's (as pystac-client, which warns).
 */
async function intersectsOf(value: string, warn: (message: string) => void): Promise<unknown> {
  const isText = value.trimStart().startsWith('{');
  const where = isText ? '--intersects' : `--intersects ${value}`;
  const text = isText ? value : await readSmallFile(value, where);
  let geojson: unknown;
  try {
    geojson = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${where}: not GeoJSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (isRecord(geojson) && geojson.type === 'FeatureCollection') {
    const features = Array.isArray(geojson.features) ? geojson.features : [];
    if (features.length === 0) throw new UsageError(`${where}: a FeatureCollection without features: no geometry to search with`);
    if (features.length > 1) warn(`${where}: a FeatureCollection of ${features.length} features: only the first feature's geometry is used`);
    geojson = features[0];
  }
  if (!isRecord(geojson)) throw new UsageError(`${where}: not GeoJSON: expected an object with a "type", got ${Array.isArray(geojson) ? 'an array' : typeof geojson}`);
  return geojson;
}

async function readSmallFile(file: string, where: string): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${where}: ${code === 'ENOENT' ? 'no such file (and not GeoJSON text, which starts with {)' : `cannot read it (${code ?? String(err)})`}`);
  }
  try {
    const buffer = Buffer.alloc(MAX_INTERSECTS_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_INTERSECTS_BYTES) throw new UsageError(`${where}: more than ${MAX_INTERSECTS_BYTES / 1024 / 1024} MiB: a search geometry is smaller (simplify it)`);
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${where}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  } finally {
    await handle.close();
  }
}

/** pystac-client's operators, in the order it tries them (`<=` before `=`, `<>` before `>`). */
const QUERY_OPERATORS: ReadonlyArray<readonly [string, string]> = [['>=', 'gte'], ['<=', 'lte'], ['=', 'eq'], ['<>', 'neq'], ['>', 'gt'], ['<', 'lt']];

/** `--query gsd<=10 "view:sun_elevation>30"` or JSON objects: `{ property: { operator: value } }`, merged. */
function queryOf(values: readonly string[]): Record<string, Record<string, unknown>> {
  const query: Record<string, Record<string, unknown>> = {};
  const add = (property: string, condition: Record<string, unknown>) => {
    query[property] = { ...query[property], ...condition };
  };
  for (const value of values) {
    const text = String(value).trim();
    if (text.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw new UsageError(`--query ${text}: not JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!isRecord(parsed)) throw new UsageError(`--query ${text}: expected a JSON object { property: { operator: value } }`);
      for (const [property, condition] of Object.entries(parsed)) {
        if (!isRecord(condition)) throw new UsageError(`--query ${text}: ${property} must map operators to values, e.g. {"lt": 10}`);
        add(property, condition);
      }
      continue;
    }
    const operator = QUERY_OPERATORS.find(([op]) => text.split(op).length === 2);
    const [property, operand] = operator ? text.split(operator[0]).map((part) => part.trim()) : [];
    if (!operator || !property || operand === undefined || operand === '') {
      throw new UsageError(`--query ${text}: expected KEY OP VALUE with OP one of ${QUERY_OPERATORS.map(([op]) => op).join(' ')} (gsd<=10), or a JSON object`);
    }
    add(property, { [operator[1]]: operand !== '' && Number.isFinite(Number(operand)) ? Number(operand) : operand });
  }
  return query;
}

/** CQL2 JSON when it starts with `{` (or --filter-lang cql2-json asks for JSON), else CQL2 text. */
function filterOf(value: string, lang: SearchArgs['filterLang']): unknown {
  if (lang === 'cql2-text' || (lang === undefined && !value.trimStart().startsWith('{'))) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch (err) {
    throw new UsageError(`--filter: not CQL2 JSON (${err instanceof Error ? err.message : String(err)}); CQL2 text goes without --filter-lang cql2-json`);
  }
}

/** `--header Authorization="Bearer x"`: KEY=VALUE pairs; a pair without `=` or a name is refused. */
export function headersOf(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const match = /^([^=]+)=(.*)$/s.exec(String(value));
    const name = match?.[1].trim();
    if (!match || !name || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new UsageError(`--header ${JSON.stringify(value)}: expected NAME=VALUE with a header name (Authorization="Bearer ...")`);
    }
    headers[name] = match[2];
  }
  return headers;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
