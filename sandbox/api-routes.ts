import { notFound } from './api-error.js';
import type { SandboxCatalog } from './catalog.js';
import { projectFields } from './fields.js';
import { materialiseItem } from './item-factory.js';
import {
  collectionDocument, collectionsDocument, conformance, landingPage, nextLink, queryables, rootLink, type Json, type QueryablesKind,
} from './responses.js';
import { parseSearchParams } from './search-params.js';
import { searchPage } from './search.js';

/** What the routes need to know about the sandbox they serve. */
export interface ApiContext {
  catalog: SandboxCatalog;
  /** API root without a trailing slash (`http://127.0.0.1:8080`): links are `${endpoint}/collections`... */
  endpoint: string;
  conformsTo: readonly string[];
  repeatNextLink: boolean;
  /** The queryables schema served at `/queryables` and `/collections/{id}/queryables` (default open). */
  queryables?: QueryablesKind;
  /** `item_assets` of every collection document (`itemAssets: true`); undefined: none, as the copied documents. */
  itemAssets?: Json;
}

export interface ApiRequest {
  method: string;
  /** Path segments (`['collections', 'x', 'items']`); empty ones dropped, as stac-server's parsePath does. */
  segments: string[];
  query: Array<[string, string]>;
  body: Json;
}

export interface ApiResponse {
  status: number;
  contentType: 'application/json' | 'application/geo+json';
  /** A JSON document, or the chunks of one (item pages are streamed item by item). */
  body: Json | Iterable<string>;
}

const json = (body: Json): ApiResponse => ({ status: 200, contentType: 'application/json', body });

/** The STAC API routes of stac-server v4 that clients use; anything else is stac-server's 404. */
export function route(ctx: ApiContext, request: ApiRequest): ApiResponse {
  const { method, segments: [first, collectionId, third, itemId, ...rest] } = request;
  if (rest.length) throw notFound();
  const get = method === 'GET' || method === 'HEAD';
  if (first === undefined && get) return json(landingPage(ctx.endpoint, ctx.conformsTo));
  if (first === 'conformance' && collectionId === undefined && get) return json(conformance(ctx.conformsTo));
  if (first === 'queryables' && collectionId === undefined && get) return json(queryables(`${ctx.endpoint}/queryables`, ctx.queryables));
  if (first === 'search' && collectionId === undefined && (get || method === 'POST')) return search(ctx, request);
  if (first !== 'collections' || !get) throw notFound();
  if (collectionId === undefined) return json(collectionsDocument(ctx.catalog, ctx.endpoint, ctx.itemAssets));
  if (ctx.catalog.ordinal(collectionId) < 0) throw notFound();
  if (third === undefined) return json(collectionDocument(collectionId, ctx.endpoint, ctx.itemAssets));
  if (third === 'queryables' && itemId === undefined) return json(queryables(`${ctx.endpoint}/collections/${collectionId}/queryables`, ctx.queryables));
  if (third !== 'items') throw notFound();
  if (itemId === undefined) return search(ctx, request, collectionId);
  const g = ctx.catalog.find(itemId, collectionId);
  if (g < 0) throw notFound();
  return { status: 200, contentType: 'application/geo+json', body: materialiseItem(ctx.catalog, g, ctx.endpoint) as unknown as Json };
}

/** `/search` (GET and POST) and `/collections/{id}/items` (GET): a page of items with stac-server's links. */
function search(ctx: ApiContext, request: ApiRequest, collectionId?: string): ApiResponse {
  const isPost = request.method === 'POST';
  const params: Record<string, unknown> = isPost ? request.body : Object.fromEntries(request.query);
  if (collectionId !== undefined) delete params.collections;
  const parsed = parseSearchParams(params, isPost ? 'POST' : 'GET');
  if (collectionId !== undefined) parsed.collections = [collectionId];
  const filterServed = ctx.conformsTo.some((c) => /filter/.test(c));
  const page = searchPage(ctx.catalog, parsed, { filter: filterServed });

  const href = collectionId === undefined ? `${ctx.endpoint}/search` : `${ctx.endpoint}/collections/${collectionId}/items`;
  const links: Json[] = [];
  const token = ctx.repeatNextLink && parsed.next !== undefined ? parsed.next : page.next;
  if (page.items.length && token !== undefined) {
    const limit = params.limit === undefined ? undefined : parsed.limit;
    links.push(isPost
      ? nextLink({ method: 'POST', href, body: request.body, limit }, token)
      : nextLink({ method: 'GET', href, query: request.query, limit }, token));
  }
  links.push(rootLink(ctx.endpoint));
  if (collectionId !== undefined) {
    links.push({ rel: 'self', type: 'application/geo+json', href }, { rel: 'collection', type: 'application/json', href: `${ctx.endpoint}/collections/${collectionId}` });
  }
  return { status: 200, contentType: 'application/geo+json', body: featureCollection(ctx, page.items, page.numberMatched, links, parsed.fields) };
}

/** The FeatureCollection as chunks, so a 10,000-item page never sits in memory as one string. */
function* featureCollection(
  ctx: ApiContext, items: number[], numberMatched: number, links: Json[], fields: { include: string[]; exclude: string[] } | undefined,
): Generator<string> {
  yield `{"type":"FeatureCollection","numberMatched":${numberMatched},"numberReturned":${items.length},"features":[`;
  for (let k = 0; k < items.length; k += 1) {
    const item = materialiseItem(ctx.catalog, items[k], ctx.endpoint) as unknown as Json;
    yield `${k ? ',' : ''}${JSON.stringify(fields ? projectFields(item, fields) : item)}`;
  }
  yield `],"links":${JSON.stringify(links)}}`;
}
