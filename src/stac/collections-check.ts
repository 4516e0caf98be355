import { StacflowError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';
import { resolveHref, type StacApi } from './client.js';
import { StacApiError } from './errors.js';
import { isObject } from './search-params.js';
import { requestJson, type TransportOptions } from './transport.js';

/**
 * Each collection a search names, read at `/collections/{id}` before any search: a misspelled id is a
 * run-fatal error with did-you-mean against `/collections`, not a run that quietly finds nothing in it (a STAC
 * API answers a search of an unknown collection with an empty page). An API that serves no `/collections`
 * at all (a 404 there too) cannot be checked: a warning, and the search goes on. Shared by `stac_search`
 * (item-search.ts) and the dry run (src/cli/dry-run*.ts), which also reads each document's `item_assets`.
 */

/** What `/collections/{id}` said about one id. */
export type CollectionLookup =
  | { readonly kind: 'found'; readonly id: string; readonly href: string; readonly document: Readonly<Record<string, unknown>> }
  /** The API has no `/collections/{id}` (nor a `/collections` list): nothing is known. */
  | { readonly kind: 'unchecked'; readonly id: string; readonly href: string; readonly reason: string };

/** One id the API does not have, and the closest listed one. */
export interface UnknownCollection {
  readonly id: string;
  readonly href: string;
  readonly suggestion?: string;
}

/** Where the check says what it could not do (a stage's `warn`, or the dry run's list). */
export type CollectionsWarn = (code: string, message: string, details: Record<string, unknown>) => void;

/** Most listed ids a message shows when none is close to the unknown one. */
const LISTED_IN_MESSAGE = 12;

/**
 * Collections named by a search that the API does not have (`/collections/{id}` answered 404 and the
 * `/collections` list does not hold them). Run-fatal: the search would quietly find nothing in them.
 */
export class StacUnknownCollectionError extends StacflowError {
  readonly unknown: readonly UnknownCollection[];
  /** The ids `/collections` lists (its first page), for callers that locate or reword the error. */
  readonly listed: readonly string[];

  constructor(unknown: readonly UnknownCollection[], listed: readonly string[], listHref: string) {
    super('ERR_STAC_UNKNOWN_COLLECTION', unknownMessage(unknown, listed, listHref), { errorClass: 'fatal' });
    this.unknown = unknown;
    this.listed = listed;
  }
}

/** The URL of collection `id`: `{api}/collections/{id}`, the id escaped. */
export const collectionHref = (api: StacApi, id: string): string => resolveHref(`collections/${encodeURIComponent(id)}`, api.base);

/** What the API said of a search's collections: each one's lookup, and those it does not have. */
export interface CollectionsFound {
  readonly lookups: readonly CollectionLookup[];
  readonly unknown: readonly UnknownCollection[];
  /** The ids `/collections` lists (its first page); empty when it was not read. */
  readonly listed: readonly string[];
  readonly listHref: string;
}

/**
 * Reads `/collections/{id}` of each id (in order, once each). Throws StacUnknownCollectionError naming every
 * id the API does not have; other failures (after the retries) throw their StacApiError. Returns what was
 * learnt of each id, `unchecked` where the API has no collection endpoints (said once through `warn`).
 */
export async function checkCollections(
  api: StacApi, ids: readonly string[], transport: TransportOptions, warn: CollectionsWarn,
): Promise<readonly CollectionLookup[]> {
  const found = await lookupCollections(api, ids, transport, warn);
  if (found.unknown.length > 0) throw new StacUnknownCollectionError(found.unknown, found.listed, found.listHref);
  return found.lookups;
}

/** As checkCollections, but returns the unknown ids instead of throwing (the dry run reports them all with the rest). */
export async function lookupCollections(
  api: StacApi, ids: readonly string[], transport: TransportOptions, warn: CollectionsWarn,
): Promise<CollectionsFound> {
  const lookups: CollectionLookup[] = [];
  const missing: Array<{ id: string; href: string }> = [];
  const listHref = resolveHref('collections', api.base);
  for (const id of new Set(ids)) {
    const href = collectionHref(api, id);
    const document = await readDocument(href, transport);
    if (document === undefined) missing.push({ id, href });
    else lookups.push({ kind: 'found', id, href, document });
  }
  if (missing.length === 0) return { lookups, unknown: [], listed: [], listHref };

  // A 404: an unknown id, or an API without collection endpoints. Its list tells which.
  const listed = await readListedIds(listHref, transport);
  if (listed === undefined) {
    const reason = `${listHref} answered 404 too: the API serves no collections, so ${missing.map((m) => m.id).join(', ')} cannot be checked`;
    warn('W_COLLECTIONS_UNCHECKED', `collections not checked: ${reason}; a misspelled id would find nothing`, { collections: missing.map((m) => m.id), href: listHref });
    return { lookups: [...lookups, ...missing.map((m) => ({ kind: 'unchecked' as const, ...m, reason }))], unknown: [], listed: [], listHref };
  }
  const unknown = missing.filter((m) => !listed.includes(m.id)).map((m) => ({ ...m, suggestion: didYouMean(m.id, listed) }));
  const listedButMissing = missing.filter((m) => listed.includes(m.id));
  if (listedButMissing.length > 0) {
    // Listed, yet its own document is missing: a server fault, not the user's.
    const reason = `${listedButMissing.map((m) => m.href).join(', ')} answered 404 though ${listHref} lists ${listedButMissing.length === 1 ? 'it' : 'them'}`;
    warn('W_COLLECTIONS_UNCHECKED', `collections not read: ${reason}`, { collections: listedButMissing.map((m) => m.id), href: listHref });
    lookups.push(...listedButMissing.map((m) => ({ kind: 'unchecked' as const, ...m, reason })));
  }
  return { lookups, unknown, listed, listHref };
}

/** The ids of every search's `collections`, in order, once each. */
export function searchedCollections(searches: ReadonlyArray<{ readonly parameters: { readonly collections?: readonly string[] } }>): string[] {
  return [...new Set(searches.flatMap((s) => s.parameters.collections ?? []))];
}

/** A collection document, or undefined for a 404. */
async function readDocument(href: string, transport: TransportOptions): Promise<Record<string, unknown> | undefined> {
  try {
    const body = await requestJson({ method: 'GET', url: href }, transport, 'collection');
    return isObject(body) ? body : {};
  } catch (err) {
    if (err instanceof StacApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** The ids of `/collections` (its first page: enough for did-you-mean), or undefined when it is missing or not a list. */
async function readListedIds(href: string, transport: TransportOptions): Promise<string[] | undefined> {
  let body: unknown;
  try {
    body = await requestJson({ method: 'GET', url: href }, transport, 'collections');
  } catch (err) {
    if (err instanceof StacApiError && err.status === 404) return undefined;
    throw err;
  }
  if (!isObject(body) || !Array.isArray(body.collections)) return undefined;
  return body.collections.flatMap((c: unknown) => (isObject(c) && typeof c.id === 'string' ? [c.id] : []));
}

function unknownMessage(unknown: readonly UnknownCollection[], listed: readonly string[], listHref: string): string {
  const lines = unknown.map(({ id, href, suggestion }) => {
    const hint = suggestion !== undefined ? `did you mean "${suggestion}"?` : `${listHref} lists: ${listed.slice(0, LISTED_IN_MESSAGE).join(', ')}${listed.length > LISTED_IN_MESSAGE ? `, … (${listed.length} in all)` : ''}`;
    return `the API has no collection "${id}" (${href} answered 404); ${hint}`;
  });
  const text = lines.join('; ');
  return `stac_search.collections: ${text}${/[.?]$/.test(text) ? '' : '.'} A search of ${unknown.length === 1 ? 'it' : 'them'} would find nothing: correct the id.`;
}
