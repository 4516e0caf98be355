import type { Logger } from 'pino';
import type { StacItem } from '../entry.js';
import type { HttpLimits } from '../http/limits.js';
import type { Got } from 'got';
import { openStacApi, defaultMethod, type StacApi } from '../stac/client.js';
import { lookupCollections, searchedCollections, type CollectionLookup } from '../stac/collections-check.js';
import { assertConformance } from '../stac/conformance.js';
import { StacApiError, StacConformanceError, StacQueryableError } from '../stac/errors.js';
import { firstRequest } from '../stac/item-search.js';
import { assertPlanQueryable } from '../stac/queryables.js';
import { isObject, type SearchPlan, type SearchRequest } from '../stac/search-params.js';
import { requestJson, type TransportOptions } from '../stac/transport.js';
import type { PlanIssue } from './dry-run-types.js';

/**
 * The dry run's questions to the STAC API, the ones the run would ask first and no more: the landing page and
 * conformance (refused options said as the run would say them), `/collections/{id}` of each searched
 * collection (collections-check.ts), the queryables of a filter, and each search's first page with
 * `limit: 1` for its `numberMatched` (per collection when a search names several). Nothing is downloaded.
 */

export interface SearchFacts {
  readonly api: StacApi;
  readonly collections: readonly CollectionFacts[];
  readonly searches: readonly SearchCount[];
  readonly errors: PlanIssue[];
  readonly warnings: PlanIssue[];
}

export interface CollectionFacts {
  readonly id: string;
  readonly status: 'found' | 'unchecked' | 'unknown';
  readonly title?: string;
  /** `item_assets` of the collection document; undefined when it has none (or was not read). */
  readonly itemAssets?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly suggestion?: string;
  /** The first item a search of this collection found: its asset keys stand in for item_assets. */
  sample?: StacItem;
}

export interface SearchCount {
  readonly search: SearchRequest;
  readonly method: string;
  /** `numberMatched` of the search; undefined when the API does not say. */
  readonly matched?: number;
  /** Per collection, when the search names several. */
  readonly byCollection?: ReadonlyArray<{ readonly collection: string; readonly matched?: number }>;
  readonly sample?: StacItem;
}

export interface SearchFactsOptions {
  readonly http: Got;
  readonly limits: HttpLimits;
  readonly log: Logger;
  readonly signal?: AbortSignal;
}

/** Asks the API what it knows of `plan`. Throws StacApiError when it cannot be read at all (exit 1). */
export async function searchFacts(plan: SearchPlan, options: SearchFactsOptions): Promise<SearchFacts> {
  const errors: PlanIssue[] = [];
  const warnings: PlanIssue[] = [];
  const warn = (code: string, message: string) => warnings.push({ code, message });
  const transport: TransportOptions = {
    http: options.http,
    limits: options.limits,
    apiHeaders: { origin: new URL(plan.api).origin, headers: plan.headers },
    signal: options.signal,
  };
  const api = await openStacApi(plan.api, transport);

  let conformant = true;
  if (plan.conformance.check) {
    try {
      for (const search of plan.searches) assertConformance(api.conformsTo, search.parameters, plan.api, { assumed: plan.conformance.assumed, source: api.conformanceSource });
    } catch (err) {
      if (!(err instanceof StacConformanceError)) throw err;
      errors.push({ code: err.code, message: err.message, path: ['source', 'stac_search', ...(err.parameter === 'stac_search' ? [] : [err.parameter])] });
      conformant = false;
    }
  } else {
    warn('W_CONFORMANCE_UNCHECKED', `check_conformance: false: what ${plan.api} declares is not checked; the search goes as written`);
  }

  const found = await lookupCollections(api, searchedCollections(plan.searches), transport, warn);
  const byId = new Map<string, CollectionFacts>([
    ...found.lookups.map((l): [string, CollectionFacts] => [l.id, collectionFacts(l)]),
    ...found.unknown.map((u): [string, CollectionFacts] => [u.id, { id: u.id, status: 'unknown', ...(u.suggestion !== undefined && { suggestion: u.suggestion }) }]),
  ]);
  // In the order the file names them.
  const collections = searchedCollections(plan.searches).flatMap((id) => byId.get(id) ?? []);
  for (const u of found.unknown) {
    const hint = u.suggestion !== undefined ? `did you mean "${u.suggestion}"?` : `${found.listHref} lists: ${found.listed.slice(0, 12).join(', ')}`;
    const issue = { message: `the API has no collection "${u.id}" (${u.href} answered 404); ${hint}`, collection: u.id };
    // With check_conformance: false the run does not check (item-search.ts): it would go, and find nothing there.
    if (plan.conformance.check) errors.push({ code: 'ERR_STAC_UNKNOWN_COLLECTION', ...issue });
    else warnings.push({ code: 'W_STAC_UNKNOWN_COLLECTION', ...issue, message: `${issue.message} (check_conformance: false: the run searches it all the same)` });
  }

  if (conformant && plan.conformance.check) {
    const reporter = { label: 'stac_search', log: options.log, warn: (code: string, message: string) => warn(code, message) };
    try {
      await assertPlanQueryable(api, plan, transport, reporter);
    } catch (err) {
      if (!(err instanceof StacQueryableError)) throw err;
      errors.push({ code: err.code, message: err.message, path: ['source', 'stac_search', 'filter'] });
    }
  }

  const searches: SearchCount[] = [];
  if (conformant) {
    for (const search of plan.searches) searches.push(await countSearch(api, search, transport, errors));
    for (const count of searches) {
      const single = count.search.parameters.collections?.length === 1 ? count.search.parameters.collections[0] : undefined;
      const facts = collections.find((c) => c.id === (count.sample?.collection ?? single));
      if (facts && count.sample && facts.sample === undefined) facts.sample = count.sample;
    }
  }
  return { api, collections, searches, errors, warnings };
}

function collectionFacts(lookup: CollectionLookup): CollectionFacts {
  if (lookup.kind === 'unchecked') return { id: lookup.id, status: 'unchecked' };
  const { document } = lookup;
  const itemAssets = isObject(document.item_assets) ? (document.item_assets as CollectionFacts['itemAssets']) : undefined;
  return { id: lookup.id, status: 'found', ...(typeof document.title === 'string' && { title: document.title }), ...(itemAssets && { itemAssets }) };
}

/** One search's `numberMatched` (and first item), from a first page of one item; per collection when it names several. */
async function countSearch(api: StacApi, search: SearchRequest, transport: TransportOptions, errors: PlanIssue[]): Promise<SearchCount> {
  const method = search.method ?? defaultMethod(api);
  const whole = await firstPage(api, search, transport, errors);
  const collections = search.parameters.collections ?? [];
  if (collections.length < 2) return { search, method, ...whole };
  const byCollection = [];
  for (const collection of collections) {
    const one = await firstPage(api, { ...search, parameters: { ...search.parameters, collections: [collection] } }, transport, errors);
    byCollection.push({ collection, ...(one.matched !== undefined && { matched: one.matched }) });
  }
  return { search, method, ...whole, byCollection };
}

async function firstPage(api: StacApi, search: SearchRequest, transport: TransportOptions, errors: PlanIssue[]): Promise<{ matched?: number; sample?: StacItem }> {
  const request = firstRequest(api, { ...search, parameters: { ...search.parameters, limit: 1 } });
  const name = search.parameters.collections?.length === 1 ? `search of ${search.parameters.collections[0]}` : 'search';
  let body: unknown;
  try {
    body = await requestJson(request, transport, `${name} (first item, for numberMatched)`);
  } catch (err) {
    // A 400 is the search's parameters: a mistake of the file, said with the rest.
    if (!(err instanceof StacApiError) || err.code !== 'ERR_STAC_BAD_REQUEST') throw err;
    errors.push({ code: err.code, message: err.message, path: ['source', 'stac_search'] });
    return {};
  }
  if (!isObject(body)) return {};
  const context = isObject(body.context) ? body.context : {};
  const matched = typeof body.numberMatched === 'number' ? body.numberMatched : typeof context.matched === 'number' ? context.matched : undefined;
  const first = Array.isArray(body.features) && isObject(body.features[0]) ? (body.features[0] as unknown as StacItem) : undefined;
  return { ...(matched !== undefined && { matched }), ...(first && { sample: first }) };
}
