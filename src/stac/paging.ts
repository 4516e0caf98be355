import type { StacItem } from '../entry.js';
import { sameOrigin } from '../http/redirect.js';
import { resolveHref } from './client.js';
import { StacApiError } from './errors.js';
import { isObject, type HttpMethod } from './search-params.js';
import { splitFeatures } from './page-text.js';
import { canonicalJson } from '../util/canonical-json.js';
import { rememberItemSource } from '../util/item-source.js';
import { parseJsonBody, requestBytes, type JsonRequest, type TransportOptions } from './transport.js';

/**
 * The pages of one search, fetched one at a time, each only when asked for (pystac-client's
 * `StacApiIO.get_pages`): the first request, then `rel="next"` links followed exactly as the API gives
 * them (`method`, `href`, `body`, `merge`, `headers`).
 *
 * Paging stops at a page without a next link, at an empty page (stac-server sends a next link with every
 * non-empty page, then an empty last page), or once `maxItems` items came (no page beyond them is asked
 * for). A next link that repeats a request of this search ends it with ERR_STAC_NEXT_LOOP.
 */

export interface SearchPage {
  /** 1 for the first page of the search. */
  readonly number: number;
  /**
   * The page's items, cut to what `maxItems` leaves. Each is parsed when the iteration reaches it (see
   * page-text.ts) and not kept by the page: iterate once.
   */
  readonly items: PageItems;
  /** The request that fetched the page. */
  readonly request: JsonRequest;
  readonly numberMatched?: number;
}

export interface PagingOptions extends TransportOptions {
  readonly maxItems?: number;
  /** Names the search in messages, e.g. `search of collection kaguya_tc`. */
  readonly label?: string;
}

export async function* searchPages(first: JsonRequest, options: PagingOptions): AsyncGenerator<SearchPage, void, undefined> {
  const label = options.label ?? 'search';
  const seen = new Map<string, number>([[requestKey(first), 1]]);
  let request = first;
  let received = 0;
  for (let number = 1; ; number += 1) {
    const purpose = `${label}, page ${number}`;
    const bytes = await requestBytes(request, options, purpose);
    const { features, links, numberMatched } = readPage(bytes, request, purpose);
    const take = options.maxItems !== undefined ? Math.min(features.length, options.maxItems - received) : features.length;
    received += take;
    yield { number, items: take === features.length ? features : firstItems(features, take), request, numberMatched };

    if (features.length === 0) return;
    if (options.maxItems !== undefined && received >= options.maxItems) return;
    const link = links.find((l) => l.rel === 'next');
    if (!link) return;
    const next = nextRequest(link, request);
    const key = requestKey(next);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new StacApiError(
        'ERR_STAC_NEXT_LOOP',
        `${label}, page ${number}: the next link asks again for page ${earlier} (${next.method} ${next.url}${next.body ? ` ${JSON.stringify(next.body)}` : ''}): ` +
          'the API pages in a loop; stopping instead of fetching forever. Report it to the API maintainers; set max_items to take only the first items.',
        { url: next.url, method: next.method },
      );
    }
    seen.set(key, number + 1);
    request = next;
  }
}

export interface NextLink {
  rel: 'next';
  href: string;
  method?: string;
  body?: Record<string, unknown>;
  merge?: boolean;
  headers?: Record<string, string>;
}

/**
 * The request a next link asks for, after `previous`: `method` (GET when absent), `href` resolved against
 * the page's URL, for POST `body` (merged over the previous body when `merge` is true), `headers` (merged
 * over the previous request's when `merge` is true and the link stays on the previous request's origin).
 * Where the stage's own headers go is decided when the request is sent (request-headers.ts).
 */
export function nextRequest(link: NextLink, previous: JsonRequest): JsonRequest {
  const method = (link.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'POST') {
    throw new StacApiError('ERR_STAC_BAD_RESPONSE', `next link: method ${method} is not GET or POST (${link.href})`, { url: link.href, method });
  }
  if (link.body !== undefined && !isObject(link.body)) {
    throw new StacApiError('ERR_STAC_BAD_RESPONSE', `next link: body is not a JSON object (${link.href})`, { url: link.href, method });
  }
  if (link.headers !== undefined && !validHeaders(link.headers)) {
    throw new StacApiError('ERR_STAC_BAD_RESPONSE', `next link: headers is not an object of header names and text values (${link.href})`, { url: link.href, method });
  }
  let url: string;
  try {
    url = resolveHref(link.href, previous.url);
  } catch (cause) {
    throw new StacApiError('ERR_STAC_BAD_RESPONSE', `next link: href ${JSON.stringify(link.href.slice(0, 200))} is not a URL`, { url: previous.url, method, cause });
  }
  if (!/^https?:$/.test(new URL(url).protocol)) {
    throw new StacApiError('ERR_STAC_BAD_RESPONSE', `next link: ${url} is not http or https`, { url, method });
  }
  // Headers of the previous request (given by the API for its origin) are not carried to another origin.
  const carried = link.merge && sameOrigin(url, previous.url) ? previous.headers : undefined;
  const headers = link.merge ? { ...carried, ...link.headers } : link.headers;
  const request: { -readonly [K in keyof JsonRequest]: JsonRequest[K] } = { method: method as HttpMethod, url };
  if (headers && Object.keys(headers).length > 0) request.headers = headers;
  if (method === 'POST') request.body = link.merge ? { ...previous.body, ...link.body } : (link.body ?? {});
  return request;
}

/** A next link's `headers`: names that are HTTP tokens, values without control characters. */
function validHeaders(headers: unknown): headers is Record<string, string> {
  if (!isObject(headers)) return false;
  return Object.entries(headers).every(([name, value]) => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) && typeof value === 'string' && !/[\0-\x08\x0a-\x1f\x7f]/.test(value));
}

/** Identity of a request for loop detection: method, URL and body (keys sorted); headers do not count. */
export function requestKey(request: JsonRequest): string {
  return `${request.method} ${request.url} ${request.body === undefined ? '' : canonicalJson(request.body)}`;
}

/** A page's items, iterated once; `length` is known before any is parsed. */
export interface PageItems extends Iterable<StacItem> {
  readonly length: number;
}

interface PageBody {
  features: PageItems;
  links: NextLink[];
  numberMatched?: number;
}

/**
 * Reads an ItemCollection: its links (only the usable ones) and numberMatched now, its features lazily.
 * A page the splitter does not follow is parsed whole (JSON.parse gives the error of a broken one).
 */
function readPage(bytes: Buffer, request: JsonRequest, purpose: string): PageBody {
  const split = splitFeatures(bytes);
  const body = split ? split.envelope : parseJsonBody(bytes.toString('utf8'), request, purpose);
  if (!isObject(body) || !Array.isArray(body.features)) {
    throw new StacApiError(
      'ERR_STAC_BAD_RESPONSE',
      `${purpose}: ${request.method} ${request.url} did not answer an ItemCollection (no \`features\` list). Check that api is a STAC API.`,
      { url: request.url, method: request.method },
    );
  }
  const links = (Array.isArray(body.links) ? body.links : []).filter(
    (l: unknown): l is NextLink => isObject(l) && typeof l.rel === 'string' && typeof l.href === 'string',
  );
  const matched = body.numberMatched ?? (isObject(body.context) ? body.context.matched : undefined);
  const numberMatched = typeof matched === 'number' ? matched : undefined;
  if (!split) {
    const features: unknown[] = body.features;
    features.forEach((feature, index) => checkItem(feature, index, request, purpose));
    return { features: features as StacItem[], links, numberMatched };
  }
  const features: PageItems = {
    length: split.count,
    *[Symbol.iterator]() {
      for (let index = 0; index < split.count; index += 1) {
        let feature: unknown;
        try {
          feature = JSON.parse(split.featureText(index));
        } catch (cause) {
          throw new StacApiError(
            'ERR_STAC_BAD_RESPONSE',
            `${purpose}: feature ${index} of ${request.method} ${request.url} is not valid JSON (${(cause as Error).message}).`,
            { url: request.url, method: request.method, cause },
          );
        }
        const item = checkItem(feature, index, request, purpose);
        // The incremental state stores the item as these bytes (src/util/item-source.ts).
        rememberItemSource(item, bytes, ...split.featureSpan(index));
        yield item;
      }
    },
  };
  return { features, links, numberMatched };
}

function checkItem(feature: unknown, index: number, request: JsonRequest, purpose: string): StacItem {
  if (!isObject(feature) || typeof feature.id !== 'string') {
    throw new StacApiError(
      'ERR_STAC_BAD_RESPONSE',
      `${purpose}: feature ${index} of ${request.method} ${request.url} is not a STAC item (no string \`id\`).`,
      { url: request.url, method: request.method },
    );
  }
  return feature as unknown as StacItem;
}

function firstItems(items: PageItems, count: number): PageItems {
  return {
    length: count,
    *[Symbol.iterator]() {
      if (count === 0) return;
      let n = 0;
      for (const item of items) {
        yield item;
        n += 1;
        if (n >= count) return;
      }
    },
  };
}
