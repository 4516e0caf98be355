import { landingBase, resolveHref } from '../../stac/client.js';
import { StacApiError } from '../../stac/errors.js';
import { isObject } from '../../stac/search-params.js';
import { requestJson, type TransportOptions } from '../../stac/transport.js';

export type CollectionDocument = Record<string, unknown>;

/**
 * The collections of a STAC API, a page at a time, each page asked for only when the last one was used: the
 * landing page's `data` link (else `<api>/collections`), then `rel="next"` links (GET), as far as they go.
 * A next link back to a page already read ends it with ERR_STAC_NEXT_LOOP; an answer without a `collections`
 * list with ERR_STAC_BAD_RESPONSE. Every request goes through the one retry loop and its limits (transport.ts).
 */
export async function* collectionPages(api: string, transport: TransportOptions): AsyncGenerator<CollectionDocument[], void, undefined> {
  const landing = await requestJson({ method: 'GET', url: api }, transport, 'landing page');
  if (!isObject(landing) || !Array.isArray(landing.links)) {
    throw new StacApiError('ERR_STAC_NOT_STAC', `landing page: ${api} is not a STAC API landing page (no \`links\`). Give the root of a STAC API, e.g. https://stac.astrogeology.usgs.gov/api/.`, { url: api, method: 'GET' });
  }
  const base = landingBase(api);
  let url = linkHref(landing.links, 'data', base) ?? resolveHref('collections', base);
  const seen = new Set<string>();
  for (let number = 1; ; number += 1) {
    const purpose = `collections, page ${number}`;
    if (seen.has(url)) {
      throw new StacApiError('ERR_STAC_NEXT_LOOP', `${purpose}: the next link of the previous page leads back to ${url}, a page already read: stopping instead of reading forever. Report it to the API maintainers.`, { url, method: 'GET' });
    }
    seen.add(url);
    const page = await requestJson({ method: 'GET', url }, transport, purpose);
    if (!isObject(page) || !Array.isArray(page.collections)) {
      throw new StacApiError('ERR_STAC_BAD_RESPONSE', `${purpose}: GET ${url} answered without a \`collections\` list. Check that api is a STAC API.`, { url, method: 'GET' });
    }
    const collections = page.collections.filter(isObject);
    yield collections;
    const next = collections.length === 0 || !Array.isArray(page.links) ? undefined : linkHref(page.links, 'next', url);
    if (next === undefined) return;
    url = next;
  }
}

/** The href of the first link of `rel` (GET, or no method said), resolved against `base`. */
function linkHref(links: unknown[], rel: string, base: string): string | undefined {
  const link = links.find((l) => isObject(l) && l.rel === rel && typeof l.href === 'string' && (l.method === undefined || String(l.method).toUpperCase() === 'GET'));
  return isObject(link) ? resolveHref(link.href as string, base) : undefined;
}
