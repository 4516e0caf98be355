import type { FilterOffer, StageContext } from '../engine/stage.js';
import { propertiesOf, type Cql2Expr } from '../fields/cql2/ast.js';
import { parseCql2Json } from '../fields/cql2/parse-json.js';
import { parseCql2Text } from '../fields/cql2/parse-text.js';
import { didYouMean } from '../util/did-you-mean.js';
import { resolveHref, type StacApi } from './client.js';
import { StacApiError, StacQueryableError } from './errors.js';
import { isObject, type SearchParameters, type SearchPlan } from './search-params.js';
import { requestJson, type TransportOptions } from './transport.js';

/**
 * The filter extension's `/queryables` (OGC API Features part 3): a JSON Schema of the properties a filter may
 * name. Read where a search with a filter would go (the landing page's queryables link, else `{api}/queryables`;
 * with collections, the union of `/collections/{id}/queryables`, as pystac-client's `get_merged_queryables`),
 * so that a misspelled property is a run-fatal error with did-you-mean before any search, not a run that
 * matches nothing. Only a closed schema (`additionalProperties: false`) lists what exists: stac-server's
 * default is open, which allows any name. The document is optional: a 404 is said at debug, any other failure
 * is a warning, and then nothing is checked.
 */

export const QUERYABLES_REL = 'http://www.opengis.net/def/rel/ogc/1.0/queryables';
/** Names every STAC API filters on, listed or not. */
export const ALWAYS_QUERYABLE: readonly string[] = Object.freeze(['id', 'collection', 'geometry', 'datetime']);
/** Where the filter comes from, for messages. */
export const FILTER_OPTION = 'stac_search.filter';
/** Most listed names a message shows when none is close to the misspelled one. */
const LISTED_IN_MESSAGE = 30;

/** What a search may filter on: the listed names, any name, or unknown (nothing checked). */
export type Queryables =
  | { readonly kind: 'closed'; readonly names: ReadonlySet<string>; readonly hrefs: readonly string[] }
  | { readonly kind: 'open'; readonly href: string }
  | { readonly kind: 'unknown'; readonly href: string };

/** What the check says through: the stage's label, its debug log, and its warnings (log and run report). */
export type QueryablesReporter = Pick<StageContext, 'label' | 'log' | 'warn'>;

/** Documents already read in this run, by href: a plan's searches share one read each. */
export type QueryablesCache = Map<string, Promise<Queryables>>;

/**
 * Checks each search of `plan` that has a filter, and the conditions `pushed` down from filter steps, against
 * the queryables the search would be run with; throws StacQueryableError for the first unknown property. Each
 * document is read once for the whole plan.
 */
export async function assertPlanQueryable(
  api: StacApi,
  plan: SearchPlan,
  transport: TransportOptions,
  report: QueryablesReporter,
  pushed: readonly FilterOffer[] = [],
): Promise<void> {
  const cache: QueryablesCache = new Map();
  for (const { parameters } of plan.searches) {
    if (parameters.filter !== undefined) await checkQueryable(api, parameters.filter, parameters.collections, transport, report, { cache });
    for (const offer of pushed) await checkQueryable(api, offer.cql2, parameters.collections, transport, report, { cache, option: offer.from });
  }
}

/**
 * Reads the queryables for a search over `collections` (none: the whole API) and asserts that `filter` (CQL2
 * JSON, or text) names only listed properties. Also for a filter pushed down to the server from a step:
 * `option` then names that step's filter (`steps[2].filter`) in the error.
 */
export async function checkQueryable(
  api: StacApi,
  filter: NonNullable<SearchParameters['filter']>,
  collections: readonly string[] | undefined,
  transport: TransportOptions,
  report: QueryablesReporter,
  { option = FILTER_OPTION, cache = new Map() }: { option?: string; cache?: QueryablesCache } = {},
): Promise<void> {
  assertQueryable(filter, await readQueryables(api, collections, transport, report, cache), option);
}

/** The queryables documents a search reads: one per collection it names, else the API's. */
export function queryablesHrefs(api: StacApi, collections?: readonly string[]): string[] {
  if (collections && collections.length > 0) {
    return collections.map((id) => resolveHref(`collections/${encodeURIComponent(id)}/queryables`, api.base));
  }
  return [api.queryablesHref ?? resolveHref('queryables', api.base)];
}

/**
 * The queryables of a search over `collections`: closed (the union of the listed names) only when every
 * document read is closed; open when one is; unknown when one is missing or unreadable.
 */
export async function readQueryables(
  api: StacApi,
  collections: readonly string[] | undefined,
  transport: TransportOptions,
  report: QueryablesReporter,
  cache: QueryablesCache = new Map(),
): Promise<Queryables> {
  const names = new Set<string>();
  const hrefs: string[] = [];
  let open: Queryables | undefined;
  for (const href of queryablesHrefs(api, collections)) {
    let read = cache.get(href);
    if (!read) cache.set(href, (read = readDocument(href, transport, report)));
    const one = await read;
    if (one.kind === 'unknown') return one; // one collection unchecked: the union is unknown
    if (one.kind === 'open') open ??= one;
    else {
      one.names.forEach((name) => names.add(name));
      hrefs.push(...one.hrefs);
    }
  }
  return open ?? { kind: 'closed', names, hrefs };
}

/**
 * Throws StacQueryableError when `filter` names a property that closed `queryables` do not list (nor
 * ALWAYS_QUERYABLE). A `properties.` prefix is read as the bare name. A filter that is not CQL2 throws its
 * Cql2Error, located in `option`.
 */
export function assertQueryable(filter: NonNullable<SearchParameters['filter']>, queryables: Queryables, option = FILTER_OPTION): void {
  if (queryables.kind !== 'closed') return;
  const known = new Set([...ALWAYS_QUERYABLE, ...queryables.names]);
  for (const written of propertiesOf(parseFilter(filter, option))) {
    const name = written.startsWith('properties.') ? written.slice('properties.'.length) : written;
    if (known.has(name) || known.has(written)) continue;
    const suggestion = didYouMean(name, known);
    const listed = [...queryables.names];
    const hint = suggestion !== undefined
      ? `did you mean "${suggestion}"?`
      : `it lists: ${listed.slice(0, LISTED_IN_MESSAGE).join(', ')}${listed.length > LISTED_IN_MESSAGE ? `, … (${listed.length} in all)` : ''}.`;
    throw new StacQueryableError(
      { parameter: option, property: written, queryablesHrefs: queryables.hrefs, suggestion },
      `${option} names property "${written}", which the API does not list as queryable ` +
        `(${queryables.hrefs.join(', ')}: additionalProperties: false); ${hint} ` +
        'The server would refuse the search or match nothing. Correct the name; if the queryables are wrong, `check_conformance: false` sends the search unchecked.',
    );
  }
}

function parseFilter(filter: NonNullable<SearchParameters['filter']>, option: string): Cql2Expr {
  return typeof filter === 'string' ? parseCql2Text(filter, option) : parseCql2Json(filter, option);
}

/** One queryables document, read with the run's limits; never throws but for a cancelled run. */
async function readDocument(href: string, transport: TransportOptions, report: QueryablesReporter): Promise<Queryables> {
  const unchecked = { kind: 'unknown', href } as const;
  let body: unknown;
  try {
    body = await requestJson({ method: 'GET', url: href }, transport, 'queryables');
  } catch (err) {
    if (transport.signal?.aborted || !(err instanceof StacApiError)) throw err;
    if (err.status === 404) {
      report.log.debug({ stage: report.label, href }, `${report.label}: no queryables at ${href} (404): the filter's property names are not checked`);
    } else {
      report.warn('W_QUERYABLES_UNREAD', `queryables not read, so the filter's property names are not checked: ${err.message}`, { href, error: err.code });
    }
    return unchecked;
  }
  if (!isObject(body)) {
    report.warn('W_QUERYABLES_UNREAD', `queryables ${href} is not a JSON Schema object, so the filter's property names are not checked`, { href });
    return unchecked;
  }
  if (body.additionalProperties !== false) return { kind: 'open', href };
  if (!isObject(body.properties)) {
    report.warn('W_QUERYABLES_UNREAD', `queryables ${href} is closed (additionalProperties: false) but has no \`properties\` object, so the filter's property names are not checked`, { href });
    return unchecked;
  }
  return { kind: 'closed', names: new Set(Object.keys(body.properties)), hrefs: [href] };
}
