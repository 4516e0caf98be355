import type { Observable } from 'rxjs';
import type { Entry, StacItem } from '../entry.js';
import type { FilterOffer, StageContext } from '../engine/stage.js';
import { defaultMethod, openStacApi, searchUrl, type StacApi } from './client.js';
import { assertConformance, classUriOf } from './conformance.js';
import { checkCollections, searchedCollections } from './collections-check.js';
import { decideSearchFilter } from './search-filter.js';
import { CURSOR_SORT, decideCursorWindow, DEFAULT_INCREMENTAL, describeWindow, type CursorWindow, type IncrementalSettings } from './incremental-window.js';
import { SeenItems } from './incremental-seen.js';
import { sourceEntry } from './item-guard.js';
import { pagedSource } from './paged-source.js';
import { searchPages, type SearchPage } from './paging.js';
import { assertPlanQueryable } from './queryables.js';
import { toGetQuery, toPostBody, type SearchPlan, type SearchRequest } from './search-params.js';
import type { JsonRequest, TransportOptions } from './transport.js';

/**
 * The items of a search plan as entries, page by page on demand (see paged-source.ts): open the API,
 * refuse what it does not declare, then run the searches one after the other. Nothing is requested before
 * subscription.
 *
 * Counted under `ctx.label`: `requests`, `retries`, `pages`, `items:<collection>`, `expected` (the sum of
 * the searches' `numberMatched`, capped by `max_items`, when the API says it), `collection_reads` (the check of
 * the searched collections, collections-check.ts); the engine counts the items out.
 *
 * With `ctx.incremental` (a pipeline with `state:`), the searches ask for the `updated` window of this run
 * (incremental-window.ts), items are emitted once per (collection, id, updated) (`duplicates` counts the
 * others), and the next cursor is proposed when the last search ends.
 */
export function itemSearchSource(
  plan: SearchPlan, ctx: StageContext, offers: readonly FilterOffer[] = [], incremental: IncrementalSettings = DEFAULT_INCREMENTAL,
): Observable<Entry> {
  const seen = ctx.incremental ? new SeenItems() : undefined;
  return pagedSource<PageOfSearch, StacItem, Entry>({
    pages: (signal) => planPages(plan, offers, ctx, signal, incremental),
    items: (page) => (seen ? firstTimeOnly(page, seen, ctx) : page.items),
    toValue: (item, page) => {
      ctx.stats.count(ctx.label, `items:${item.collection ?? page.search.collection ?? '(none)'}`);
      return sourceEntry(item, ctx); // an item too deep to flow fails alone (item-guard.ts)
    },
    demand: ctx.demand,
    signal: ctx.signal,
  });
}

interface PageOfSearch extends SearchPage {
  readonly search: SearchRequest;
}

/** A page's items less those this run already emitted (a shifted page repeats them), counted as `duplicates`. */
function* firstTimeOnly(page: PageOfSearch, seen: SeenItems, ctx: StageContext): Generator<StacItem> {
  for (const item of page.items) {
    if (seen.firstTime(item, page.search.collection)) yield item;
    else ctx.stats.count(ctx.label, 'duplicates');
  }
}

async function* planPages(
  plan: SearchPlan, offers: readonly FilterOffer[], ctx: StageContext, signal: AbortSignal, incremental: IncrementalSettings,
): AsyncGenerator<PageOfSearch> {
  const { label, stats, log } = ctx;
  const withheldFrom = new Set<string>();
  const transport: TransportOptions = {
    http: ctx.http,
    apiHeaders: { origin: new URL(plan.api).origin, headers: plan.headers },
    limits: ctx.limits,
    signal,
    onRequest: ({ retries }) => {
      stats.count(label, 'requests');
      if (retries > 0) stats.count(label, 'retries', retries);
    },
    onWithheld: ({ url, headers }) => {
      // Once per origin: a search paging through another origin would say it on every page.
      const origin = new URL(url).origin;
      if (withheldFrom.has(origin)) return;
      withheldFrom.add(origin);
      log.warn(
        { stage: label, url, origin, api: plan.api, headers },
        `${label}: not sending ${headers.join(', ')} to ${origin}: headers go to the api's origin (${new URL(plan.api).origin}) only`,
      );
    },
  };
  const api = await openStacApi(plan.api, transport);
  // Refuse before the first search: a parameter the API ignores would return the wrong items.
  if (plan.conformance.check) {
    for (const search of plan.searches) assertConformance(api.conformsTo, search.parameters, plan.api, { assumed: plan.conformance.assumed, source: api.conformanceSource });
  } else {
    log.warn(
      { stage: label, api: plan.api, conformsTo: api.conformsTo },
      `${label}: check_conformance: false: not checking what ${plan.api} declares (${api.conformsTo.length} classes${api.conformanceSource === 'none' ? ', no /conformance' : ''}); the search goes as written, and an extension the API ignores would return other items`,
    );
  }
  // A misspelled collection would quietly match nothing: refused here, with did-you-mean (collections-check.ts).
  // Counted apart from the search's `requests`; not with check_conformance: false (the search goes as written).
  if (plan.conformance.check) {
    const reads = { ...transport, onRequest: () => stats.count(label, 'collection_reads') };
    await checkCollections(api, searchedCollections(plan.searches), reads, (code, message, details) => ctx.warn(code, message, details));
  }
  log.debug({ stage: label, api: plan.api, id: api.id, searchLinks: api.searchLinks }, `${label}: opened ${api.id ?? plan.api}`);
  // What the API declares, with the classes the pipeline says it forgot (`conforms_to`).
  const declared = [...api.conformsTo, ...plan.conformance.assumed.map(classUriOf)];
  const window = ctx.incremental && incremental.enabled ? cursorWindow(plan, declared, incremental, ctx) : undefined;
  const filtered = withSearchFilters(plan, offers, declared, ctx, window);
  const searches = window?.kind === 'window' ? filtered.searches.map((search) => withCursorSort(search)) : filtered.searches;
  // A property the API's queryables do not list, in the own filter or a pushed one (queryables.ts).
  if (plan.conformance.check) await assertPlanQueryable(api, plan, transport, ctx, filtered.pushed);

  let cutShort: SearchRequest | undefined; // a search that max_items stopped: the items after it were not read
  for (const search of searches) {
    const first = firstRequest(api, search);
    const name = search.collection ? `search of ${search.collection}` : 'search';
    let received = 0;
    for await (const page of searchPages(first, { ...transport, maxItems: search.maxItems, label: `${label}: ${name}` })) {
      received += page.items.length;
      if (search.maxItems !== undefined && received >= search.maxItems) cutShort ??= search;
      stats.count(label, 'pages');
      if (page.number === 1 && page.numberMatched !== undefined) {
        stats.count(label, 'expected', Math.min(page.numberMatched, search.maxItems ?? Number.POSITIVE_INFINITY));
      }
      log.debug(
        { stage: label, page: page.number, items: page.items.length, method: page.request.method, url: page.request.url, matched: page.numberMatched },
        `${label}: ${name}, page ${page.number}: ${page.items.length} items`,
      );
      yield { ...page, search };
    }
  }
  if (window && ctx.incremental) proposeCursor(window, cutShort, ctx);
}

/** This run's window (or why there is none), said in the log once. */
function cursorWindow(plan: SearchPlan, declared: readonly string[], settings: IncrementalSettings, ctx: StageContext): CursorWindow {
  const cursor = ctx.incremental?.cursor;
  const window = decideCursorWindow(declared, plan.conformance.check, settings, cursor);
  const fields = { stage: ctx.label, cursor, until: window.until, ...(window.kind === 'window' ? { since: window.since } : { reason: window.reason }) };
  if (window.kind === 'window') {
    ctx.stats.count(ctx.label, 'cursor_windows');
    ctx.log.info(fields, `${ctx.label}: incremental: asking for items ${describeWindow(window, settings, cursor)}, sorted by updated then id`);
    const sorted = plan.searches.find((search) => search.parameters.sortby !== undefined);
    if (sorted) {
      ctx.log.info({ stage: ctx.label, sortby: sorted.parameters.sortby }, `${ctx.label}: incremental: sortby is kept as written, not updated then id; the window applies all the same, and duplicates are dropped`);
    }
  } else {
    ctx.stats.count(ctx.label, 'cursor_full_searches');
    ctx.log.info(fields, `${ctx.label}: incremental: ${plan.api} cannot be asked for what changed (${window.reason}): the full search runs and the state skips what is done; the cursor moves to ${window.until}`);
  }
  return window;
}

/** `+properties.updated,+id` unless the user sorts (their order is kept: the window is what makes the run incremental). */
const withCursorSort = (search: SearchRequest): SearchRequest =>
  search.parameters.sortby !== undefined ? search : { ...search, parameters: { ...search.parameters, sortby: CURSOR_SORT } };

/**
 * The next cursor, once every search ended: the window's upper bound. Not when `max_items` stopped a search:
 * the items after it are unread, and a cursor past them would skip them for good.
 */
function proposeCursor(window: CursorWindow, cutShort: SearchRequest | undefined, ctx: StageContext): void {
  const incremental = ctx.incremental;
  if (!incremental) return;
  if (cutShort !== undefined) {
    const held = incremental.cursor === undefined ? 'no cursor is saved' : `the cursor stays at ${incremental.cursor}`;
    ctx.warn('W_CURSOR_HELD', `max_items (${cutShort.maxItems}) stopped ${cutShort.collection ? `the search of ${cutShort.collection}` : 'the search'} before its end: ${held}, so the next run reads the items this one did not`, { maxItems: cutShort.maxItems });
    return;
  }
  incremental.setNextCursor(window.until);
  ctx.log.info({ stage: ctx.label, nextCursor: window.until }, `${ctx.label}: incremental: next cursor ${window.until} (saved when the run completes)`);
}

/**
 * Each search with the filter it sends (search-filter.ts): the own filter in the language the API reads, the
 * offered conditions it can evaluate, and the incremental window when there is one. Says once which offers went with the search and which stay local.
 */
function withSearchFilters(
  plan: SearchPlan, offers: readonly FilterOffer[], declared: readonly string[], ctx: StageContext, window?: CursorWindow,
): { searches: SearchRequest[]; pushed: readonly FilterOffer[] } {
  const options = { declared, check: plan.conformance.check, always: window?.kind === 'window' ? [window.condition] : [] };
  const decisions = plan.searches.map((search) => decideSearchFilter(search.parameters, offers, options));
  const [first] = decisions;
  if (first !== undefined) {
    if (first.converted) ctx.log.info({ stage: ctx.label, api: plan.api }, `${ctx.label}: ${first.converted}`);
    for (const offer of first.pushed) {
      ctx.stats.count(offer.from, 'pushed_down');
      ctx.log.info({ stage: ctx.label, from: offer.from }, `${ctx.label}: ${offer.from}'s condition goes with the search (the API evaluates it); ${offer.from} still tests every item`);
    }
    for (const { offer, reason } of first.local) {
      ctx.log.info({ stage: ctx.label, from: offer.from, reason }, `${ctx.label}: ${offer.from}'s condition is tested here only, not sent with the search: ${reason}`);
    }
  }
  return { searches: plan.searches.map((search, i) => ({ ...search, parameters: decisions[i].parameters })), pushed: first?.pushed ?? [] };
}

/** The first request of a search: POST body or GET query string, to the advertised search link. */
export function firstRequest(api: StacApi, search: SearchRequest): JsonRequest {
  const method = search.method ?? defaultMethod(api);
  const url = searchUrl(api, method);
  if (method === 'POST') return { method, url, body: toPostBody(search.parameters) };
  const withQuery = new URL(url);
  for (const [key, value] of toGetQuery(search.parameters)) withQuery.searchParams.append(key, value);
  return { method, url: withQuery.toString() };
}
