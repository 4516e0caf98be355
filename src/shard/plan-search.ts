import { createHash } from 'node:crypto';
import type { LoadedPipeline } from '../engine/pipeline.js';
import { OPEN } from '../stac/datetime.js';
import { planSearch, type SearchOptionsInput, type SearchParameters } from '../stac/search-params.js';
import { ShardUsageError } from './shard-spec.js';
import { instantMicros } from './plan-time.js';
import { canonicalJson } from '../util/canonical-json.js';

/** The sort keys that keep a datetime plan's windows in the search's order (the first key decides). */
const TIME_SORT_KEYS = new Set(['datetime', 'properties.datetime', 'start_datetime', 'properties.start_datetime']);

/** What a datetime plan is made of: the search that counts, its configured time span, and its fingerprint. */
export interface PlannableSearch {
  readonly api: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly conformance: { readonly assumed: readonly string[]; readonly check: boolean };
  /** The whole search as one request (collections together even with per_collection: the same items), no limit, sortby or fields. */
  readonly parameters: SearchParameters;
  readonly method?: 'GET' | 'POST';
  /** The configured datetime's ends as written (`..` when open, both open when there is none). */
  readonly start: string;
  readonly end: string;
  readonly fingerprint: string;
}

/**
 * The pipeline's search, checked for a datetime plan: a reason a user can act on for each search that
 * windows cannot split (ShardUsageError, exit 2), else what plan-count.ts counts with.
 */
export function plannableSearch(pipeline: LoadedPipeline): PlannableSearch {
  const where = `${pipeline.file}: source`;
  if (pipeline.source.stage.name !== 'stac_search') {
    throw new ShardUsageError(`${where} is ${pipeline.source.stage.name}, not stac_search: only a search can be split into datetime windows; use hash sharding (--shard I/N)`);
  }
  const options = pipeline.source.options as SearchOptionsInput;
  if (options.max_items !== undefined) {
    throw new ShardUsageError(`${where}.stac_search.max_items is set (${options.max_items}): each window's search would stop at it, not the whole search; remove it from the file to plan, or use hash sharding (--shard I/N: every shard reads the same capped search)`);
  }
  if (options.ids !== undefined) {
    throw new ShardUsageError(`${where}.stac_search.ids names the items: there is no time span to split; use hash sharding (--shard I/N)`);
  }
  const plan = planSearch({ ...options, per_collection: false, max_items: undefined, limit: undefined });
  const search = plan.searches[0];
  const { limit: _limit, sortby, fields: _fields, ...parameters } = search.parameters;
  if (sortby !== undefined && !TIME_SORT_KEYS.has(sortby[0].field)) {
    throw new ShardUsageError(
      `${where}.stac_search.sortby sorts on ${sortby[0].field} first: each window would be sorted on its own, and the windows, one after the other, would not be in that order; sort on datetime first, remove sortby, or use hash sharding (--shard I/N)`,
    );
  }
  const [start, end] = datetimeEnds(parameters.datetime, where);
  return Object.freeze({
    api: plan.api,
    headers: plan.headers,
    conformance: plan.conformance,
    parameters,
    ...(search.method !== undefined ? { method: search.method } : {}),
    start,
    end,
    fingerprint: searchFingerprint(plan.api, parameters),
  });
}

function datetimeEnds(datetime: string | undefined, where: string): [string, string] {
  if (datetime === undefined) return [OPEN, OPEN];
  const [start, end] = datetime.split('/');
  if (end === undefined) throw new ShardUsageError(`${where}.stac_search.datetime is one instant (${datetime}): there is no span to split; use hash sharding (--shard I/N)`);
  for (const part of [start, end]) {
    if (part !== OPEN && instantMicros(part) === undefined) throw new ShardUsageError(`${where}.stac_search.datetime: cannot read ${part}`); // normalised at load: a bug
  }
  return [start, end];
}

/**
 * `sha256:…` of the options that decide which items the search returns (api, collections, bbox, intersects,
 * datetime, query, filter), normalised as the run sends them (so `2008` and `2008-01-01T00:00:00Z/2008-12-31T23:59:59Z`
 * agree), keys sorted. Page size, order, fields, method and headers change no item, so they may differ.
 */
export function searchFingerprint(api: string, parameters: SearchParameters): string {
  const { limit: _limit, sortby: _sortby, fields: _fields, ...selecting } = parameters;
  const hash = createHash('sha256').update(canonicalJson({ api: api.replace(/\/+$/, ''), ...selecting }));
  return `sha256:${hash.digest('hex')}`;
}
