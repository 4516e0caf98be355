import type { StageContext } from '../../engine/stage.js';
import type { StacItem } from '../../entry.js';
import { errorMessage } from '../../errors.js';
import { HttpRequestError } from '../../http/errors.js';
import { formatDuration } from '../../http/limits.js';
import { landingBase, resolveHref } from '../../stac/client.js';
import { StacApiError } from '../../stac/errors.js';
import type { ApiHeaders } from '../../stac/request-headers.js';
import { isObject } from '../../stac/search-params.js';
import { requestJson } from '../../stac/transport.js';

/**
 * The `collections` of the `stac-geoparquet` file metadata, read from the API the items came from: while rows
 * are written, where each item's collection lives (`CollectionLinks`); at the end, each distinct collection's
 * JSON read once (`readCollections`). A collection that cannot be read is a warning naming its href and why,
 * and is left out: metadata never ends a run, and every read is bounded by the run's `http:` limits.
 */

/** Collection reads at once: a catalog spans few collections, an API is not to be flooded for metadata. */
const CONCURRENT_READS = 4;

/** Where the items' collections are, by collection id, as the items link them. */
export class CollectionLinks {
  /** Collection id to the href of its JSON, in order of first sight. */
  readonly hrefs = new Map<string, string>();
  /** Ids of collections no item has yet linked (no `collection`, `parent` or `root` link). */
  readonly unlocated = new Set<string>();

  /** Notes `item`'s collection; a collection already located costs one lookup. */
  note(item: StacItem): void {
    const id = item.collection;
    if (typeof id !== 'string' || id === '' || this.hrefs.has(id)) return;
    const href = collectionHref(item, id);
    if (href === undefined) {
      this.unlocated.add(id);
      return;
    }
    this.hrefs.set(id, href);
    this.unlocated.delete(id);
  }
}

/**
 * The href of the JSON of `item`'s collection `id`: its `collection` link; else its `parent` link when that
 * ends in `/collections/{id}` (a STAC API item's parent is its collection); else its `root` link (the landing
 * page) + `collections/{id}`. Relative hrefs resolve against the item's `self` link; without one they are
 * not used.
 */
export function collectionHref(item: StacItem, id: string): string | undefined {
  const links = Array.isArray(item.links) ? item.links : [];
  const self = hrefOf(links, 'self', undefined);
  const collection = hrefOf(links, 'collection', self);
  if (collection) return collection;
  const tail = `/collections/${encodeURIComponent(id)}`;
  const parent = hrefOf(links, 'parent', self);
  if (parent && new URL(parent).pathname.replace(/\/+$/, '').endsWith(tail)) return parent;
  const root = hrefOf(links, 'root', self);
  return root ? resolveHref(tail.slice(1), landingBase(root)) : undefined;
}

function hrefOf(links: ReadonlyArray<{ rel?: unknown; href?: unknown }>, rel: string, base: string | undefined): string | undefined {
  const link = links.find((l) => l.rel === rel && typeof l.href === 'string' && l.href !== '');
  if (!link) return undefined;
  try {
    return new URL(link.href as string, base).toString();
  } catch {
    return undefined; // relative without a base, or not a URL: this link locates nothing
  }
}

/** What reading the collections needs from the run. */
export type CollectionReader = Pick<StageContext, 'http' | 'limits' | 'signal' | 'warn'>;

/**
 * Reads each collection of `links` once (a few at a time) and returns the readable ones by id, in the order
 * the items named them. Each read goes through src/stac/transport.ts: the run's retries, deadlines and
 * http.max_page_bytes; `apiHeaders` (when given) go to their origin only. All reads together end by
 * http.give_up_after; once an origin is unreachable, its other collections are not tried. Each collection left
 * out is one warning: W_COLLECTION_UNREAD (href and reason) or W_COLLECTION_UNLOCATED (no link to it).
 * Throws only when the run is cancelled.
 */
export async function readCollections(links: CollectionLinks, reader: CollectionReader, apiHeaders?: ApiHeaders): Promise<Record<string, unknown>> {
  for (const id of links.unlocated) {
    reader.warn('W_COLLECTION_UNLOCATED', `collection ${id} left out of the stac-geoparquet metadata: its items link it nowhere (no collection, parent or root link)`, { collection: id });
  }
  const deadline = AbortSignal.timeout(reader.limits.giveUpAfterMs);
  const signal = AbortSignal.any([reader.signal, deadline]);
  const unreachable = new Map<string, string>();
  const read = new Map<string, unknown>();
  const queue = [...links.hrefs];

  const readOne = async (id: string, href: string): Promise<void> => {
    const origin = new URL(href).origin;
    const down = unreachable.get(origin);
    if (down !== undefined) return unread(reader, id, href, `not tried: ${down}`);
    try {
      const body = await requestJson({ method: 'GET', url: href }, { http: reader.http, limits: reader.limits, signal, apiHeaders }, `collection ${id}`);
      if (!isObject(body) || body.id !== id) {
        const got = isObject(body) ? (typeof body.id === 'string' ? `collection "${body.id}"` : 'an object without an id') : 'no JSON object';
        return unread(reader, id, href, `it answered ${got}, not collection "${id}"`);
      }
      read.set(id, body);
    } catch (err) {
      if (reader.signal.aborted) throw reader.signal.reason ?? err;
      if (deadline.aborted) return unread(reader, id, href, `not read within http.give_up_after (${formatDuration(reader.limits.giveUpAfterMs)}, for all the collections together)`);
      if ((err as { code?: unknown }).code === 'ERR_STAC_UNREACHABLE') unreachable.set(origin, `${origin} was unreachable`);
      return unread(reader, id, href, reasonOf(err));
    }
  };
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) await readOne(...next);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_READS, queue.length) }, worker));
  // The metadata in the order the items named the collections, whatever order the reads ended in.
  return Object.fromEntries([...links.hrefs.keys()].filter((id) => read.has(id)).map((id) => [id, read.get(id)]));
}

/** Why a read failed, in a few words: what HTTP said or what broke, the retries, the API's own words, the code. */
function reasonOf(err: unknown): string {
  if (!(err instanceof StacApiError)) return errorMessage(err);
  const cause = err.cause instanceof HttpRequestError ? err.cause : undefined;
  if (!cause) return `${err.message} (${err.code})`;
  const after = cause.retries > 0 ? ` after ${cause.retries} ${cause.retries === 1 ? 'retry' : 'retries'}` : '';
  const said = err.description ? `: ${err.apiCode ? `${err.apiCode}: ` : ''}${err.description}` : '';
  return `${cause.summary}${after}${said} (${err.code})`;
}

function unread(reader: CollectionReader, id: string, href: string, reason: string): void {
  reader.warn('W_COLLECTION_UNREAD', `collection ${id} left out of the stac-geoparquet metadata: ${href}: ${reason}`, { collection: id, href });
}
