import { badRequest } from './api-error.js';
import { parseMicros } from './datetime.js';
import { geometryBox, type Box } from './geometry-box.js';

export interface SortRule {
  field: string;
  direction: 'asc' | 'desc';
}

/** One search, normalised once from GET query parameters or a POST body (stac-server's `extract*` functions). */
export interface SearchRequest {
  collections?: string[];
  ids?: string[];
  /** From `bbox` (west may exceed east: a box across the antimeridian) or from the bbox of `intersects`. */
  box?: Box;
  /** `datetime` in microseconds: an instant (`start === end`) or an interval with open ends undefined. */
  datetime?: { start?: number; end?: number };
  limit: number;
  sortby?: SortRule[];
  fields?: { include: string[]; exclude: string[] };
  /** STAC query extension object, checked when compiled. */
  query?: unknown;
  /** CQL2-JSON, checked when compiled. */
  filter?: unknown;
  /** The paging token of the previous page's next link. */
  next?: string;
}

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 10000;

/**
 * Reads and checks search parameters with stac-server's rules and messages: GET values are strings
 * (`bbox=3,4,5,6`, `sortby=-properties.datetime,+id`, `fields=id,-properties.gsd`), POST values JSON.
 */
export function parseSearchParams(params: Record<string, unknown>, method: 'GET' | 'POST'): SearchRequest {
  if (params.bbox !== undefined && params.intersects !== undefined) throw badRequest('Expected bbox OR intersects, not both');
  const request: SearchRequest = { limit: extractLimit(params.limit) ?? DEFAULT_LIMIT };
  const datetime = extractDatetime(params.datetime);
  if (datetime) request.datetime = datetime;
  const box = params.bbox !== undefined ? extractBbox(params.bbox, method) : extractIntersects(params.intersects);
  if (box) request.box = box;
  if (params.sortby) request.sortby = extractSortby(params.sortby);
  if (params.query) request.query = typeof params.query === 'string' ? parseJson(params.query, 'query') : params.query;
  if ('fields' in params && params.fields !== undefined) request.fields = extractFields(params.fields);
  if (params.ids) request.ids = extractList(params.ids, 'ids');
  if (params.collections) request.collections = extractList(params.collections, 'collections');
  if (params.filter !== undefined && params.filter !== '') request.filter = extractFilter(params.filter, params['filter-lang']);
  if (params.next !== undefined && params.next !== '') request.next = String(params.next);
  return request;
}

/** The limit as stac-server reads it: an integer from 1; more than 10000 is served as 10000. */
export function extractLimit(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const limit = Number.parseInt(String(value), 10);
  if (Number.isNaN(limit) || limit <= 0) throw badRequest('Invalid limit value, must be a number between 1 and 10000 inclusive');
  return Math.min(limit, MAX_LIMIT);
}

function extractBbox(value: unknown, method: 'GET' | 'POST'): Box {
  let numbers: number[];
  if (typeof value === 'string' && method === 'GET') {
    numbers = value.split(',').map(Number.parseFloat).filter((x) => !Number.isNaN(x));
  } else if (Array.isArray(value) && method === 'POST' && value.every((x) => typeof x === 'number')) {
    numbers = value as number[];
  } else {
    throw badRequest('Invalid bbox');
  }
  if (numbers.length !== 4 && numbers.length !== 6) throw badRequest('Invalid bbox, must have 4 or 6 points');
  const [west, south, east, north] = numbers.length === 4 ? numbers : [numbers[0], numbers[1], numbers[3], numbers[4]];
  if (south > north) throw badRequest('Invalid bbox, SW latitude must be less than NE latitude');
  return [west, south, east, north];
}

function extractIntersects(value: unknown): Box | undefined {
  if (value === undefined || value === '') return undefined;
  const geometry = typeof value === 'string' ? parseJson(value, 'intersects', 'Invalid GeoJSON geometry') : value;
  const type = (geometry as { type?: unknown } | null)?.type;
  if (type === 'Feature' || type === 'FeatureCollection') throw badRequest('Expected GeoJSON geometry, not Feature or FeatureCollection');
  const box = geometryBox(geometry);
  if (!box) throw badRequest('Invalid GeoJSON geometry');
  return box;
}

function extractDatetime(value: unknown): SearchRequest['datetime'] {
  if (value === undefined || value === '') return undefined;
  const text = String(value).toUpperCase();
  const [start, end, ...rest] = text.split('/');
  if (rest.length) throw badRequest('datetime value is invalid, too many forward slashes for an interval');
  if (end === undefined) {
    const instant = toMicros(start);
    return { start: instant, end: instant };
  }
  const open = (part: string) => part === '' || part === '..';
  if (open(start) && open(end)) throw badRequest('datetime value is invalid, at least one end of the interval must be closed');
  const interval = { start: open(start) ? undefined : toMicros(start), end: open(end) ? undefined : toMicros(end) };
  if (interval.start !== undefined && interval.end !== undefined && interval.end < interval.start) {
    throw badRequest('datetime value is invalid, start datetime must be before end datetime with interval');
  }
  return interval;
}

function toMicros(text: string): number {
  const micros = parseMicros(text);
  if (micros === undefined) throw badRequest('datetime value is invalid, does not match RFC3339 format');
  return micros;
}

function extractSortby(value: unknown): SortRule[] {
  const rules = typeof value === 'string'
    ? value.split(',').filter(Boolean).map((rule): SortRule => (
      rule[0] === '-' ? { field: rule.slice(1), direction: 'desc' } : { field: rule[0] === '+' || rule[0] === ' ' ? rule.slice(1) : rule, direction: 'asc' }))
    : value;
  if (!Array.isArray(rules)) throw badRequest('Invalid sortby, expected [{"field": ..., "direction": "asc" | "desc"}]');
  return rules.map((rule) => {
    const { field, direction = 'asc' } = (rule ?? {}) as { field?: unknown; direction?: unknown };
    if (typeof field !== 'string' || field === '' || (direction !== 'asc' && direction !== 'desc')) {
      throw badRequest(`Invalid sortby rule ${JSON.stringify(rule)}, expected {"field": "properties.datetime", "direction": "asc" | "desc"}`);
    }
    return { field, direction };
  });
}

function extractFields(value: unknown): { include: string[]; exclude: string[] } {
  if (typeof value === 'string') {
    const rules = value.split(',').filter(Boolean);
    return { include: rules.filter((r) => r[0] !== '-').map((r) => (r[0] === '+' ? r.slice(1) : r)), exclude: rules.filter((r) => r[0] === '-').map((r) => r.slice(1)) };
  }
  const { include = [], exclude = [] } = (value ?? {}) as { include?: unknown; exclude?: unknown };
  if (!isStringArray(include) || !isStringArray(exclude)) throw badRequest('Invalid fields, expected {"include": [...], "exclude": [...]}');
  return { include, exclude };
}

function extractList(value: unknown, name: string): string[] {
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isStringArray(parsed)) return parsed;
    } catch {
      // not JSON: a comma-separated list, as stac-server falls back to
    }
    return value.split(',').filter(Boolean);
  }
  if (!isStringArray(value)) throw badRequest(`Invalid ${name}, expected an array of strings`);
  return value;
}

function extractFilter(value: unknown, lang: unknown): unknown {
  if (lang !== undefined && lang !== 'cql2-json' && lang !== 'cql2-text') {
    throw badRequest(`Unsupported filter-lang "${String(lang)}" (this server reads cql2-json)`);
  }
  const text = typeof value === 'string' && lang !== 'cql2-json' && !value.trimStart().startsWith('{');
  if (lang === 'cql2-text' || text) {
    throw badRequest('filter-lang cql2-text is not supported by this server; send the filter as CQL2 JSON with filter-lang=cql2-json');
  }
  return typeof value === 'string' ? parseJson(value, 'filter') : value;
}

function parseJson(text: string, name: string, message = `Invalid ${name} parameter, not valid JSON`): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest(message);
  }
}

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');
