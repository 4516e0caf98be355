import type { ConformanceSource } from './conformance.js';
import { StacApiError } from './errors.js';
import type { HttpMethod } from './search-params.js';
import { requestJson, type TransportOptions } from './transport.js';
import { isObject } from './search-params.js';

/**
 * A STAC API as its landing page describes it (pystac-client's `Client.open`): its links, its
 * `conformsTo` (from the landing page, or `/conformance` when the landing page has none) and where to
 * search with each method.
 */
export interface StacApi {
  /** The landing page URL as configured. */
  readonly url: string;
  /** What relative links resolve against: the landing page URL with a trailing slash. */
  readonly base: string;
  readonly id?: string;
  readonly title?: string;
  readonly conformsTo: readonly string[];
  /** Where `conformsTo` was read; `none`: the landing page has none and /conformance answered 404. */
  readonly conformanceSource: ConformanceSource;
  /** The search endpoint advertised for each method (`rel="search"` links, method GET when absent). */
  readonly searchLinks: Readonly<Partial<Record<HttpMethod, string>>>;
  /** The landing page's link rel `http://www.opengis.net/def/rel/ogc/1.0/queryables`, when it has one (queryables.ts). */
  readonly queryablesHref?: string;
}

interface Link {
  rel?: unknown;
  href?: unknown;
  method?: unknown;
}

/** Reads the landing page (and `/conformance` when needed). Throws StacApiError, run-fatal. */
export async function openStacApi(url: string, transport: TransportOptions): Promise<StacApi> {
  const base = landingBase(url);
  const landing = await requestJson({ method: 'GET', url }, transport, 'landing page');
  if (!isObject(landing) || !Array.isArray(landing.links) || (landing.conformsTo === undefined && landing.stac_version === undefined)) {
    throw new StacApiError(
      'ERR_STAC_NOT_STAC',
      `landing page: ${url} is not a STAC API landing page (no \`links\`, \`conformsTo\` or \`stac_version\`). ` +
        'Set api to the root of a STAC API, e.g. https://stac.astrogeology.usgs.gov/api/.',
      { url, method: 'GET' },
    );
  }
  const links = (landing.links as unknown[]).filter(isObject) as Link[];
  const { conformsTo, conformanceSource } = Array.isArray(landing.conformsTo)
    ? { conformsTo: stringsOf(landing.conformsTo), conformanceSource: 'landing page' as const }
    : await readConformance(hrefOf(links, 'conformance', base) ?? resolveHref('conformance', base), transport);

  const searchLinks: Partial<Record<HttpMethod, string>> = {};
  for (const link of links) {
    if (link.rel !== 'search' || typeof link.href !== 'string') continue;
    const method = typeof link.method === 'string' ? link.method.toUpperCase() : 'GET';
    if ((method === 'GET' || method === 'POST') && searchLinks[method] === undefined) searchLinks[method] = resolveHref(link.href, base);
  }
  return {
    url,
    base,
    id: typeof landing.id === 'string' ? landing.id : undefined,
    title: typeof landing.title === 'string' ? landing.title : undefined,
    conformsTo,
    conformanceSource,
    searchLinks,
    queryablesHref: hrefOf(links, 'http://www.opengis.net/def/rel/ogc/1.0/queryables', base),
  };
}

/** `/conformance`; an API without one (404) declares nothing, which the conformance check then reports as such. */
async function readConformance(url: string, transport: TransportOptions): Promise<{ conformsTo: string[]; conformanceSource: ConformanceSource }> {
  try {
    const body = await requestJson({ method: 'GET', url }, transport, 'conformance');
    return { conformsTo: isObject(body) && Array.isArray(body.conformsTo) ? stringsOf(body.conformsTo) : [], conformanceSource: 'conformance' };
  } catch (err) {
    if (err instanceof StacApiError && err.status === 404) return { conformsTo: [], conformanceSource: 'none' };
    throw err;
  }
}

/** The method to search with when the user chose none: POST when the API advertises it (as pystac-client prefers), else GET. */
export function defaultMethod(api: StacApi): HttpMethod {
  return api.searchLinks.POST !== undefined ? 'POST' : 'GET';
}

/** Where to send a search with `method`: its advertised link, else the other method's link, else `<api>/search`. */
export function searchUrl(api: StacApi, method: HttpMethod): string {
  return api.searchLinks[method] ?? api.searchLinks.GET ?? api.searchLinks.POST ?? resolveHref('search', api.base);
}

/**
 * An href as a full URL: relative ones against `base`; runs of slashes in the path collapsed, since the
 * USGS API writes `https://stac.astrogeology.usgs.gov/api//collections` in its links.
 */
export function resolveHref(href: string, base: string): string {
  const url = new URL(href, base);
  url.pathname = url.pathname.replace(/\/{2,}/g, '/');
  return url.toString();
}

/** The landing page URL as a directory: `https://host/api` and `https://host/api/` both give `https://host/api/`. */
export function landingBase(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = parsed.pathname.replace(/\/{2,}/g, '/');
  if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
  parsed.search = '';
  parsed.hash = '';
  return parsed.toString();
}

function hrefOf(links: Link[], rel: string, base: string): string | undefined {
  const link = links.find((l) => l.rel === rel && typeof l.href === 'string');
  return link ? resolveHref(link.href as string, base) : undefined;
}

function stringsOf(values: unknown[]): string[] {
  return values.filter((v): v is string => typeof v === 'string');
}
