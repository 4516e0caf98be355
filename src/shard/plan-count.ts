import type { Logger } from 'pino';
import { apiTransport } from '../stac/api-transport.js';
import type { HttpLimits } from '../http/limits.js';
import { openStacApi, type StacApi } from '../stac/client.js';
import { lookupCollections } from '../stac/collections-check.js';
import { assertConformance, classUriOf, declares } from '../stac/conformance.js';
import { OPEN } from '../stac/datetime.js';
import { firstRequest } from '../stac/item-search.js';
import { searchPages } from '../stac/paging.js';
import { decideSearchFilter } from '../stac/search-filter.js';
import type { SearchParameters } from '../stac/search-params.js';
import type { TransportOptions } from '../stac/transport.js';
import { isObject } from '../stac/search-params.js';
import type { PlannableSearch } from './plan-search.js';
import { instantMicros, itemStartMicros } from './plan-time.js';
import { ShardUsageError } from './shard-spec.js';

/** The requests a plan made: sent (retries aside), and retried. */
export interface RequestCount {
  requests: number;
  retries: number;
}

/**
 * The pipeline's search asked only for its counts: `matched(datetime)` is one limit=1 request whose
 * `numberMatched` (or the context extension's `context.matched`) is read, the rest of the page ignored.
 * The filter goes in the language the API reads and conformance is checked as a run checks it, so the
 * counts are those of the searches the shards will run.
 */
export class SearchCounter {
  private constructor(
    /** Every request of the plan so far, the landing page's included. */
    readonly counted: Readonly<RequestCount>,
    private readonly search: PlannableSearch,
    private readonly api: StacApi,
    private readonly transport: TransportOptions,
    private readonly parameters: SearchParameters,
    private readonly declared: readonly string[],
  ) {}

  static async open(search: PlannableSearch, limits: HttpLimits, log: Logger): Promise<SearchCounter> {
    const counted: RequestCount = { requests: 0, retries: 0 };
    const transport: TransportOptions = {
      ...apiTransport(search.api, search.headers, limits, log),
      onRequest: (info) => {
        counted.requests += 1;
        counted.retries += info.retries;
      },
    };
    const api = await openStacApi(search.api, transport);
    const { check, assumed } = search.conformance;
    if (check) assertConformance(api.conformsTo, search.parameters, search.api, { assumed, source: api.conformanceSource });
    const declared = [...api.conformsTo, ...assumed.map(classUriOf)];
    const { parameters } = decideSearchFilter(search.parameters, [], { declared, check });
    return new SearchCounter(counted, search, api, transport, parameters, declared);
  }

  /** Items of the search whose time meets `datetime` (the search's own when undefined). */
  async matched(datetime: string | undefined): Promise<number> {
    const parameters = { ...this.parameters, ...(datetime !== undefined ? { datetime } : {}), limit: 1 };
    const label = `count of the search${datetime !== undefined ? ` with datetime ${datetime}` : ''}`;
    for await (const page of searchPages(this.request(parameters), { ...this.transport, maxItems: 1, label })) {
      if (page.numberMatched !== undefined) return page.numberMatched;
      break;
    }
    throw new ShardUsageError(
      `${this.search.api} gives no numberMatched (nor context.matched) for the search: a datetime plan needs the counts; use hash sharding instead (run-pipeline FILE --shard I/N)`,
    );
  }

  /**
   * The span the collections' temporal extents give (`extent.temporal.interval[0]`, the overall one): the
   * earliest start and latest end over the searched collections; an end stays undefined when any collection
   * leaves it open (null) or has no readable extent.
   */
  async collectionsSpan(): Promise<{ start?: number; end?: number }> {
    const ids = this.parameters.collections ?? [];
    if (ids.length === 0) return {};
    const found = await lookupCollections(this.api, ids, this.transport, () => undefined);
    let start: number | undefined = -Infinity;
    let end: number | undefined = Infinity;
    for (const lookup of found.lookups) {
      const interval = lookup.kind === 'found' ? firstInterval(lookup.document) : undefined;
      const [from, to] = interval ?? [undefined, undefined];
      start = start === undefined || from === undefined ? undefined : start === -Infinity ? from : Math.min(start, from);
      end = end === undefined || to === undefined ? undefined : end === Infinity ? to : Math.max(end, to);
    }
    if (found.lookups.length === 0) return {};
    return { ...(start !== undefined && Number.isFinite(start) ? { start } : {}), ...(end !== undefined && Number.isFinite(end) ? { end } : {}) };
  }

  /** Whether a sortby probe can be asked (the sort extension declared, or conformance unchecked). */
  get canSort(): boolean {
    return !this.search.conformance.check || declares(this.declared, 'item-search#sort');
  }

  /** The start of the search's first (`asc`) or last (`desc`) item by datetime: one limit=1 sorted request. */
  async edgeItem(direction: 'asc' | 'desc'): Promise<number | undefined> {
    const parameters = { ...this.parameters, sortby: [{ field: 'properties.datetime', direction }], limit: 1 };
    for await (const page of searchPages(this.request(parameters), { ...this.transport, maxItems: 1, label: `${direction === 'asc' ? 'first' : 'last'} item of the search by datetime` })) {
      for (const item of page.items) return itemStartMicros(item);
      return undefined;
    }
    return undefined;
  }

  private request(parameters: SearchParameters) {
    return firstRequest(this.api, { parameters, ...(this.search.method !== undefined ? { method: this.search.method } : {}) });
  }
}

/** `[start, end]` of a collection's overall temporal interval, in µs; undefined ends for null or unreadable ones. */
function firstInterval(document: unknown): [number | undefined, number | undefined] | undefined {
  if (!isObject(document) || !isObject(document.extent) || !isObject(document.extent.temporal)) return undefined;
  const intervals = document.extent.temporal.interval;
  if (!Array.isArray(intervals) || !Array.isArray(intervals[0])) return undefined;
  const [from, to] = intervals[0] as unknown[];
  const read = (value: unknown) => (typeof value === 'string' ? instantMicros(value) : undefined);
  return [read(from), read(to)];
}

/** `start/t` for a count up to `t`: the configured start, or open. */
export const upTo = (start: string, at: string): string => (start === OPEN ? `${OPEN}/${at}` : `${start}/${at}`);
