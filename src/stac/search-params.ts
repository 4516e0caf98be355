import { formatDatetime, type DatetimeInput } from './datetime.js';
import { StacParameterError } from './errors.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { Cql2Error } from '../fields/cql2/errors.js';
import { parseCql2Json } from '../fields/cql2/parse-json.js';
import { parseCql2Text } from '../fields/cql2/parse-text.js';

/**
 * Item search parameters, normalised once (pystac-client's `ItemSearch.__init__` with its `_format_*`
 * helpers) into a frozen request in the POST shape; `toPostBody` and `toGetQuery` shape it for the wire.
 * Everything here is pure: no I/O, no conformance (see conformance.ts).
 */

export type HttpMethod = 'GET' | 'POST';
export type FilterLang = 'cql2-json' | 'cql2-text';
export type SortDirection = 'asc' | 'desc';

export interface SortBy {
  readonly field: string;
  readonly direction: SortDirection;
}

export interface Fields {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** A GeoJSON geometry object (`intersects`). */
export interface Geometry {
  readonly type: string;
  readonly coordinates?: unknown;
  readonly geometries?: readonly Geometry[];
  readonly [extra: string]: unknown;
}

/** The search parameters in their POST shape (STAC API item search), normalised and frozen. */
export interface SearchParameters {
  readonly collections?: readonly string[];
  readonly ids?: readonly string[];
  readonly bbox?: readonly number[];
  readonly intersects?: Geometry;
  readonly datetime?: string;
  readonly query?: Readonly<Record<string, unknown>>;
  readonly filter?: Readonly<Record<string, unknown>> | string;
  readonly 'filter-lang'?: FilterLang;
  readonly sortby?: readonly SortBy[];
  readonly fields?: Fields;
  readonly limit?: number;
}

/** One search to run: its parameters, its own `max_items`, and its method when the user chose one. */
export interface SearchRequest {
  readonly parameters: SearchParameters;
  /** Stop after this many items (no page beyond them is requested). Undefined: all matching items. */
  readonly maxItems?: number;
  /** Undefined: POST when the landing page advertises a POST search link, else GET. */
  readonly method?: HttpMethod;
  /** The collection this search is for (per_collection), for counters and logs. */
  readonly collection?: string;
}

/** What a `stac_search` stage does: open `api`, then run `searches` one after the other. */
export interface SearchPlan {
  readonly api: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Classes assumed declared (`conforms_to`), and whether to check conformance at all (`check_conformance`). */
  readonly conformance: { readonly assumed: readonly string[]; readonly check: boolean };
  readonly searches: readonly SearchRequest[];
}

/** The options as a pipeline file writes them (snake_case, the stage's schema); all but `api` optional. */
export interface SearchOptionsInput {
  api: string;
  collections?: string | readonly string[];
  per_collection?: boolean;
  ids?: string | readonly string[];
  bbox?: string | readonly number[];
  intersects?: string | Readonly<Record<string, unknown>>;
  datetime?: DatetimeInput;
  query?: Readonly<Record<string, unknown>>;
  filter?: string | Readonly<Record<string, unknown>>;
  filter_lang?: FilterLang;
  conforms_to?: readonly string[];
  check_conformance?: boolean;
  sortby?: string | ReadonlyArray<string | { field: string; direction?: SortDirection }>;
  fields?: string | readonly string[] | { include?: readonly string[]; exclude?: readonly string[] };
  limit?: number;
  max_items?: number;
  method?: HttpMethod;
  headers?: Readonly<Record<string, string>>;
}

/** pystac-client's bounds for `limit`. */
export const MAX_LIMIT = 10_000;

/**
 * Normalises the stage options into the searches to run. `per_collection` makes one search per
 * collection (in the order given, as the tutorial's loop does); otherwise one search. Throws
 * StacParameterError naming the option at fault.
 */
export function planSearch(options: SearchOptionsInput): SearchPlan {
  const api = formatApiUrl(options.api);
  const collections = formatList('collections', options.collections);
  const maxItems = formatPositiveInt('max_items', options.max_items);
  let limit = formatPositiveInt('limit', options.limit);
  if (limit !== undefined && limit > MAX_LIMIT) throw new StacParameterError('limit', `must be at most ${MAX_LIMIT}, got ${limit}`);
  // As pystac-client: never ask for a bigger page than the items wanted.
  if (limit !== undefined && maxItems !== undefined) limit = Math.min(limit, maxItems);

  const common = {
    ids: formatList('ids', options.ids),
    bbox: options.bbox === undefined ? undefined : formatBbox(options.bbox),
    intersects: options.intersects === undefined ? undefined : formatIntersects(options.intersects),
    datetime: options.datetime === undefined ? undefined : wrap('datetime', () => formatDatetime(options.datetime!)),
    query: options.query === undefined ? undefined : formatQuery(options.query),
    ...formatFilter(options.filter, options.filter_lang),
    sortby: options.sortby === undefined ? undefined : formatSortby(options.sortby),
    fields: options.fields === undefined ? undefined : formatFields(options.fields),
    limit,
  };
  if (common.bbox && common.intersects) {
    throw new StacParameterError('intersects', 'give either bbox or intersects, not both (the STAC API spec forbids both)');
  }

  const searches: SearchRequest[] = [];
  if (options.per_collection) {
    if (!collections) throw new StacParameterError('per_collection', 'needs `collections`: the collections to search one by one');
    for (const collection of collections) {
      searches.push(searchRequest({ collections: [collection], ...common }, maxItems, options.method, collection));
    }
  } else {
    searches.push(searchRequest({ collections, ...common }, maxItems, options.method, collections?.length === 1 ? collections[0] : undefined));
  }
  const conformance = { assumed: [...(options.conforms_to ?? [])], check: options.check_conformance ?? true };
  return deepFreeze({ api, headers: { ...(options.headers ?? {}) }, conformance, searches });
}

function searchRequest(
  params: Record<string, unknown>,
  maxItems: number | undefined,
  method: HttpMethod | undefined,
  collection: string | undefined,
): SearchRequest {
  const parameters = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as SearchParameters;
  const request: { -readonly [K in keyof SearchRequest]: SearchRequest[K] } = { parameters };
  if (maxItems !== undefined) request.maxItems = maxItems;
  if (method !== undefined) request.method = method;
  if (collection !== undefined) request.collection = collection;
  return request;
}

/** The API's landing page URL: http(s) only. Kept as written (a trailing slash or not). */
export function formatApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StacParameterError('api', `"${value}" is not a URL: give the API's landing page, e.g. https://stac.astrogeology.usgs.gov/api/`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StacParameterError('api', `"${value}" is not an http(s) URL`);
  }
  return value;
}

/** A list given as a YAML list or a comma-separated string; duplicates dropped; empty means absent. */
export function formatList(name: string, value: string | readonly string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = (typeof value === 'string' ? value.split(',') : [...value]).map((v) => v.trim());
  if (items.some((v) => v === '')) throw new StacParameterError(name, 'contains an empty name');
  const unique = [...new Set(items)];
  return unique.length === 0 ? undefined : unique;
}

function formatPositiveInt(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new StacParameterError(name, `must be a positive integer, got ${value}`);
  return value;
}

/**
 * `[west, south, east, north]` or `[west, south, min_elevation, east, north, max_elevation]`, in degrees.
 * West may be greater than east (a box across the antimeridian); south may not be greater than north.
 */
export function formatBbox(value: string | readonly number[]): number[] {
  const numbers = typeof value === 'string' ? value.split(',').map((v) => Number(v.trim())) : [...value];
  if (numbers.length !== 4 && numbers.length !== 6) {
    throw new StacParameterError('bbox', `needs 4 numbers [west, south, east, north] (or 6 with elevations), got ${numbers.length}`);
  }
  if (numbers.some((n) => typeof n !== 'number' || !Number.isFinite(n))) {
    throw new StacParameterError('bbox', `must hold numbers only, got ${JSON.stringify(value)}`);
  }
  const three = numbers.length === 6;
  const [west, south, east, north] = three ? [numbers[0], numbers[1], numbers[3], numbers[4]] : numbers;
  for (const [name, v] of [['west', west], ['east', east]] as const) {
    if (v < -180 || v > 180) throw new StacParameterError('bbox', `${name} longitude ${v} is outside [-180, 180]`);
  }
  for (const [name, v] of [['south', south], ['north', north]] as const) {
    if (v < -90 || v > 90) throw new StacParameterError('bbox', `${name} latitude ${v} is outside [-90, 90]`);
  }
  if (south > north) {
    throw new StacParameterError('bbox', `south (${south}) is greater than north (${north}): the order is [west, south, east, north]`);
  }
  if (three && numbers[2] > numbers[5]) {
    throw new StacParameterError('bbox', `minimum elevation (${numbers[2]}) is greater than maximum (${numbers[5]})`);
  }
  return numbers;
}

const GEOMETRY_TYPES = new Set([
  'Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection',
]);

/** A GeoJSON geometry (object or JSON text); a Feature gives its geometry, as in pystac-client. */
export function formatIntersects(value: string | Readonly<Record<string, unknown>>): Geometry {
  let geometry: unknown = value;
  if (typeof value === 'string') {
    try {
      geometry = JSON.parse(value);
    } catch {
      throw new StacParameterError('intersects', 'is a string but not GeoJSON: write the geometry as a YAML/JSON object');
    }
  }
  if (isObject(geometry) && geometry.type === 'Feature') geometry = geometry.geometry;
  checkGeometry(geometry);
  return structuredClone(geometry);
}

function checkGeometry(geometry: unknown): asserts geometry is Geometry {
  if (!isObject(geometry) || typeof geometry.type !== 'string' || !GEOMETRY_TYPES.has(geometry.type)) {
    const type = isObject(geometry) ? JSON.stringify(geometry.type) : typeof geometry;
    throw new StacParameterError('intersects', `must be a GeoJSON geometry (type ${[...GEOMETRY_TYPES].join(', ')}), got type ${type}`);
  }
  if (geometry.type === 'GeometryCollection') {
    if (!Array.isArray(geometry.geometries)) throw new StacParameterError('intersects', 'a GeometryCollection needs `geometries`');
    geometry.geometries.forEach(checkGeometry);
  } else if (!Array.isArray(geometry.coordinates)) {
    throw new StacParameterError('intersects', `a ${geometry.type} needs \`coordinates\` (an array)`);
  }
}

/** The query extension: `{ property: { operator: value } }`. */
export function formatQuery(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (!isObject(value)) throw new StacParameterError('query', 'must be an object such as { "eo:cloud_cover": { "lt": 10 } }');
  for (const [property, condition] of Object.entries(value)) {
    if (!isObject(condition)) {
      throw new StacParameterError('query', `${property} must map operators to values, e.g. { "lt": 10 }`);
    }
  }
  return structuredClone(value as Record<string, unknown>);
}

/**
 * The filter extension: CQL2 JSON (an object) or CQL2 text (a string). `filter_lang` defaults from the
 * type (pystac-client's `_format_filter_lang`); a string with `cql2-json` is parsed as JSON.
 */
export function formatFilter(
  value: string | Readonly<Record<string, unknown>> | undefined,
  lang: FilterLang | undefined,
): { filter?: SearchParameters['filter']; 'filter-lang'?: FilterLang } {
  if (value === undefined) {
    if (lang !== undefined) throw new StacParameterError('filter_lang', 'is set but there is no `filter`');
    return {};
  }
  if (typeof value === 'string') {
    if (value.trim() === '') throw new StacParameterError('filter', 'is empty');
    if (lang === 'cql2-json') {
      try {
        const parsed: unknown = JSON.parse(value);
        if (!isObject(parsed)) throw new Error('not an object');
        checkCql2(() => parseCql2Json(parsed));
        return { filter: parsed, 'filter-lang': 'cql2-json' };
      } catch {
        throw new StacParameterError('filter', 'filter_lang is cql2-json but the filter is not a JSON object: write it as an object, or use cql2-text');
      }
    }
    checkCql2(() => parseCql2Text(value));
    return { filter: value, 'filter-lang': 'cql2-text' };
  }
  if (!isObject(value)) throw new StacParameterError('filter', 'must be a CQL2 JSON object or a CQL2 text string');
  if (lang === 'cql2-text') {
    throw new StacParameterError('filter', 'filter_lang is cql2-text but the filter is an object: write CQL2 text as a string, or use cql2-json');
  }
  checkCql2(() => parseCql2Json(value));
  return { filter: structuredClone(value as Record<string, unknown>), 'filter-lang': 'cql2-json' };
}

/**
 * A filter is parsed at load, so a mistake is said before any request, at its line and column: the API would
 * answer 400, and the filter is converted or combined with a pushed one at run time (search-filter.ts).
 */
function checkCql2(parse: () => unknown): void {
  try {
    parse();
  } catch (err) {
    if (!(err instanceof Cql2Error)) throw err;
    const at = err.line > 0 ? { line: err.line, column: err.column } : undefined;
    throw new StacParameterError('filter', `${err.reason}${at ? ` (CQL2 ${at.line}:${at.column})` : err.jsonPath ? ` (at ${err.jsonPath})` : ''}`, at);
  }
}

/** `-properties.datetime,+id`, a list of such strings, or a list of `{ field, direction }`. */
export function formatSortby(value: NonNullable<SearchOptionsInput['sortby']>): SortBy[] {
  const parts = typeof value === 'string' ? value.split(',') : [...value];
  if (parts.length === 0) throw new StacParameterError('sortby', 'is empty');
  return parts.map((part) => {
    if (typeof part !== 'string') {
      const direction = part.direction ?? 'asc';
      if (!part.field) throw new StacParameterError('sortby', 'an entry has no field');
      if (direction !== 'asc' && direction !== 'desc') throw new StacParameterError('sortby', `direction must be asc or desc, got ${direction}`);
      return { field: part.field, direction };
    }
    const text = part.trim();
    const direction: SortDirection = text.startsWith('-') ? 'desc' : 'asc';
    const field = text.replace(/^[+-]/, '');
    if (field === '') throw new StacParameterError('sortby', `"${part}" names no field`);
    return { field, direction };
  });
}

/** `id,-geometry` (prefix `-` excludes, `+` or nothing includes), a list of such, or `{ include, exclude }`. */
export function formatFields(value: NonNullable<SearchOptionsInput['fields']>): Fields {
  if (typeof value === 'string' || Array.isArray(value)) {
    const include: string[] = [];
    const exclude: string[] = [];
    for (const part of typeof value === 'string' ? value.split(',') : (value as readonly string[])) {
      const text = part.trim();
      const field = text.replace(/^[+-]/, '');
      if (field === '') throw new StacParameterError('fields', `"${part}" names no field`);
      (text.startsWith('-') ? exclude : include).push(field);
    }
    return { include, exclude };
  }
  const object = value as { include?: readonly string[]; exclude?: readonly string[] };
  return { include: [...(object.include ?? [])], exclude: [...(object.exclude ?? [])] };
}

/** The JSON body of a POST search. */
export function toPostBody(params: SearchParameters): Record<string, unknown> {
  return structuredClone(params) as Record<string, unknown>;
}

/**
 * The query string of a GET search (pystac-client's `_clean_params_for_get_request`): lists joined by
 * commas, geometry, query and CQL2 JSON as compact JSON, sortby as `+a,-b`, fields as `+a,-b`.
 */
export function toGetQuery(params: SearchParameters): Array<[string, string]> {
  const query: Array<[string, string]> = [];
  const add = (key: string, value: string | undefined): void => {
    if (value !== undefined) query.push([key, value]);
  };
  add('collections', params.collections?.join(','));
  add('ids', params.ids?.join(','));
  add('bbox', params.bbox?.join(','));
  add('intersects', params.intersects && JSON.stringify(params.intersects));
  add('datetime', params.datetime);
  add('query', params.query && JSON.stringify(params.query));
  add('filter', params.filter === undefined ? undefined : typeof params.filter === 'string' ? params.filter : JSON.stringify(params.filter));
  add('filter-lang', params['filter-lang']);
  add('sortby', params.sortby?.map((s) => `${s.direction === 'desc' ? '-' : '+'}${s.field}`).join(','));
  add('fields', params.fields && [...params.fields.include.map((f) => `+${f}`), ...params.fields.exclude.map((f) => `-${f}`)].join(','));
  add('limit', params.limit?.toString());
  return query;
}

function wrap<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof StacParameterError) throw err;
    throw new StacParameterError(name, err instanceof Error ? err.message : String(err));
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

