import type { SandboxCatalog } from './catalog.js';
import { compileCql2 } from './cql2.js';
import type { Box } from './geometry-box.js';
import { compareValues, fieldAccessor, propertyName, type Accessor } from './item-fields.js';
import { updatedMicros } from './item-properties.js';
import { decodeToken, encodeToken, type PagePosition } from './paging-token.js';
import type { SearchRequest, SortRule } from './search-params.js';
import { compileQuery, type ItemPredicate } from './stac-query.js';

export interface SearchPage {
  /** Item numbers of this page, in order. */
  items: number[];
  numberMatched: number;
  /** Token for the next page: present whenever the page is not empty, as stac-server does. */
  next?: string;
}

export interface SearchOptions {
  /** Evaluate `filter` (false when the served conformance leaves the filter extension out: ignored, as such a server would). */
  filter: boolean;
}

/**
 * One page of a search. Matching is a scan of the typed-array index (cheap at 200,000 items); item JSON is
 * built by the caller for the page only. In the default order (`datetime` desc, then id, then collection, as
 * stac-server sorts) and in `datetime` asc, item numbers are already sorted, so a page is one pass; other
 * orders sort the matches once per search and page through them (pageSorted).
 */
export function searchPage(catalog: SandboxCatalog, request: SearchRequest, options: SearchOptions = { filter: true }): SearchPage {
  const matches = compileMatcher(catalog, request, options);
  const after = request.next === undefined ? undefined : decodeToken(request.next);
  const timeOrder = timeDirection(request.sortby);
  return timeOrder ? pageInTimeOrder(catalog, request, matches, timeOrder, after) : pageSorted(catalog, request, matches, after, options.filter);
}

/** Every match of a search in the server's order (for tests: the exact expected ids). */
export function searchAll(catalog: SandboxCatalog, request: SearchRequest, options: SearchOptions = { filter: true }): number[] {
  return searchPage(catalog, { ...request, limit: Math.max(1, catalog.size), next: undefined }, options).items;
}

function compileMatcher(catalog: SandboxCatalog, request: SearchRequest, options: SearchOptions): ItemPredicate {
  const tests: ItemPredicate[] = [];
  if (catalog.hasRemovals()) tests.push((g) => !catalog.isRemoved(g));
  if (request.collections) {
    const wanted = new Uint8Array(catalog.collections.length);
    for (const id of request.collections) if (catalog.ordinal(id) >= 0) wanted[catalog.ordinal(id)] = 1;
    tests.push((g) => wanted[catalog.collectionOf[g]] === 1);
  }
  if (request.box) tests.push(boxPredicate(catalog, request.box));
  if (request.datetime) {
    const { start = -Infinity, end = Infinity } = request.datetime;
    tests.push((g) => catalog.start[g] >= start && catalog.start[g] <= end);
  }
  if (request.query !== undefined) tests.push(compileQuery(catalog, request.query));
  if (request.filter !== undefined && options.filter) tests.push(compileCql2(catalog, request.filter, (box) => boxPredicate(catalog, box)));
  return (g) => {
    for (const test of tests) if (!test(g)) return false;
    return true;
  };
}

/** Items whose bbox meets `box` (a box with west > east crosses the antimeridian). */
function boxPredicate(catalog: SandboxCatalog, [west, south, east, north]: Box): ItemPredicate {
  const { west: w, south: s, east: e, north: n } = catalog;
  if (west > east) return (g) => s[g] <= north && n[g] >= south && (e[g] >= west || w[g] <= east);
  return (g) => s[g] <= north && n[g] >= south && e[g] >= west && w[g] <= east;
}

/** Candidates: the items named by `ids`, else all (ascending item numbers). */
function candidates(catalog: SandboxCatalog, request: SearchRequest): Iterable<number> | undefined {
  if (!request.ids) return undefined;
  const found = new Set<number>();
  for (const id of request.ids) {
    const g = catalog.find(id);
    if (g >= 0) found.add(g);
  }
  return [...found].sort((a, b) => a - b);
}

/** 'desc' or 'asc' when the first sort key is the start time (unique per item, so later keys never matter). */
function timeDirection(sortby: SortRule[] | undefined): 'asc' | 'desc' | undefined {
  if (!sortby || sortby.length === 0) return 'desc';
  const name = propertyName(sortby[0].field);
  return name === 'datetime' || name === 'start_datetime' ? sortby[0].direction : undefined;
}

function pageInTimeOrder(
  catalog: SandboxCatalog, request: SearchRequest, matches: ItemPredicate, direction: 'asc' | 'desc', after: PagePosition | undefined,
): SearchPage {
  const listed = candidates(catalog, request);
  const order: number[] | undefined = listed ? [...listed] : undefined;
  if (order && direction === 'desc') order.reverse();
  const count = order ? order.length : catalog.size;
  const at = (k: number) => (order ? order[k] : direction === 'desc' ? catalog.size - 1 - k : k);
  const isAfter = after === undefined ? () => true : direction === 'desc' ? (g: number) => g < after.g : (g: number) => g > after.g;
  const items: number[] = [];
  let numberMatched = 0;
  for (let k = 0; k < count; k += 1) {
    const g = at(k);
    if (!matches(g)) continue;
    numberMatched += 1;
    if (items.length < request.limit && isAfter(g)) items.push(g);
  }
  return finish(items, numberMatched, (g) => ({ keys: [catalog.datetime(g)], g }));
}

/**
 * A page in an order other than the start time's. Every match is sorted once per search (its request but the
 * page token and limit) and kept until the catalog changes, so paging a search of n items costs one sort, not
 * a scan of the catalog per page (a cursor's search sorted on `updated`: n²/limit key reads otherwise).
 */
function pageSorted(catalog: SandboxCatalog, request: SearchRequest, matches: ItemPredicate, after: PagePosition | undefined, filter: boolean): SearchPage {
  const rules = request.sortby ?? [];
  const readers: Accessor[] = rules.map((rule) => sortKeyReader(catalog, rule.field));
  const keysOf = (g: number) => readers.map((read) => read(g));
  const compare = (a: PagePosition, b: PagePosition): number => {
    for (let r = 0; r < rules.length; r += 1) {
      const order = compareKeys(a.keys[r], b.keys[r]);
      if (order !== 0) return order.missing ? order.value : rules[r].direction === 'asc' ? order.value : -order.value;
    }
    return b.g - a.g; // tiebreak: later items first, as the default order
  };
  const rows = sortedMatches(catalog, request, filter, () => {
    const all: PagePosition[] = [];
    const listed = candidates(catalog, request);
    const consider = (g: number) => {
      if (matches(g)) all.push({ keys: keysOf(g), g });
    };
    if (listed) for (const g of listed) consider(g);
    else for (let g = 0; g < catalog.size; g += 1) consider(g);
    return all.sort(compare);
  });
  // The first row past the token: rows are in page order, so a binary search finds it.
  let low = 0;
  let high = rows.length;
  while (after !== undefined && low < high) {
    const mid = (low + high) >>> 1;
    if (compare(rows[mid], after) > 0) high = mid;
    else low = mid + 1;
  }
  const items = rows.slice(low, low + Math.min(request.limit, catalog.size)).map((row) => row.g);
  return finish(items, rows.length, (g) => ({ keys: keysOf(g), g }));
}

/** The last sorted search of each catalog, valid while its `changes` count is the same. */
const sortedCache = new WeakMap<SandboxCatalog, { signature: string; changes: number; rows: PagePosition[] }>();

function sortedMatches(catalog: SandboxCatalog, request: SearchRequest, filter: boolean, sort: () => PagePosition[]): PagePosition[] {
  const { next: _next, limit: _limit, ...search } = request;
  const signature = JSON.stringify([search, filter]);
  const cached = sortedCache.get(catalog);
  if (cached && cached.signature === signature && cached.changes === catalog.changes) return cached.rows;
  const rows = sort();
  sortedCache.set(catalog, { signature, changes: catalog.changes, rows });
  return rows;
}

/** Sort keys as JSON values (date-times as microseconds, so they order by instant). */
function sortKeyReader(catalog: SandboxCatalog, field: string): Accessor {
  const name = propertyName(field);
  if (name === 'datetime' || name === 'start_datetime') return (g) => catalog.start[g];
  if (name === 'updated') return (g) => updatedMicros(catalog, g); // `updated` orders by instant (ms stamps, as stac-server's)
  const read = fieldAccessor(catalog, field);
  return (g) => {
    const value = read(g);
    return value === undefined || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || value === null
      ? (value ?? null)
      : JSON.stringify(value);
  };
}

/** Missing values sort last in both directions (as Elasticsearch does); `missing` says the order is final. */
function compareKeys(a: unknown, b: unknown): { value: number; missing?: boolean } | 0 {
  if (a === null && b === null) return 0;
  if (a === null) return { value: 1, missing: true };
  if (b === null) return { value: -1, missing: true };
  const order = compareValues(a, b) ?? compareValues(typeof a, typeof b) ?? 0;
  return order === 0 ? 0 : { value: order };
}

function finish(items: number[], numberMatched: number, position: (g: number) => PagePosition): SearchPage {
  const page: SearchPage = { items, numberMatched };
  if (items.length) page.next = encodeToken(position(items[items.length - 1]));
  return page;
}
