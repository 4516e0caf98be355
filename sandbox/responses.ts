import type { SandboxCatalog } from './catalog.js';
import { templates } from './templates.js';

/** The host the copied synthesized files name; replaced by the sandbox's own endpoint. */
const FIXTURE_ENDPOINT = 'https://g6goyz4w56.execute-api.us-west-2.amazonaws.com/prod';
const MONOSCOPIC = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';

export type Json = Record<string, unknown>;
type Link = { rel: string; type?: string; href: string; [k: string]: unknown };

const rehost = <T>(value: T, endpoint: string): T => JSON.parse(JSON.stringify(value).split(FIXTURE_ENDPOINT).join(endpoint)) as T;

/** `GET /`: stac-server v4's landing page with the sandbox's links and (possibly overridden) conformance classes. */
export function landingPage(endpoint: string, conformsTo: readonly string[]): Json {
  const landing = rehost(templates().landing, endpoint);
  return {
    ...landing,
    title: 'stacflow sandbox: a USGS Astrogeology STAC API look-alike on 127.0.0.1',
    description: 'Generated Kaguya TC items shaped after real USGS items, served the way stac-server v4 serves them.',
    conformsTo: [...conformsTo],
  };
}

export const conformance = (conformsTo: readonly string[]): Json => ({ conformsTo: [...conformsTo] });

/** A collection as stac-server v4 serves it; ids unknown to the copied list are made from the monoscopic one. */
export function collectionDocument(id: string, endpoint: string, itemAssets?: Json): Json {
  const known = templates().collections;
  const base = known.get(id) ?? {
    ...known.get(MONOSCOPIC),
    id,
    title: `Sandbox collection ${id}`,
    description: `Generated Kaguya TC-like observations (collection ${id} exists only in the sandbox).`,
  };
  const document = rehost(base, endpoint) as Json;
  const href = `${endpoint}/collections/${id}`;
  if (itemAssets !== undefined) document.item_assets = itemAssets;
  document.links = [
    { rel: 'self', type: 'application/json', href },
    { rel: 'parent', type: 'application/json', href: endpoint },
    { rel: 'root', type: 'application/json', href: endpoint },
    { rel: 'items', type: 'application/geo+json', href: `${href}/items` },
    { rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables', type: 'application/schema+json', href: `${href}/queryables` },
    { rel: 'aggregate', type: 'application/json', href: `${href}/aggregate`, method: 'GET' },
    { rel: 'aggregations', type: 'application/json', href: `${href}/aggregations` },
  ];
  return document;
}

/**
 * `item_assets` (STAC item-assets extension) as the items have them: each asset's type, title and roles, and
 * the image's `file:size` (every sandbox image has `imageBytes`), for clients that plan downloads from it.
 */
export function itemAssets(imageBytes: number): Json {
  const assets = templates().item.assets as Record<string, Json>;
  return Object.fromEntries(
    Object.entries(assets).map(([key, { href: _href, ...rest }]) => [key, key === 'image' ? { ...rest, 'file:size': imageBytes } : rest]),
  );
}

export function collectionsDocument(catalog: SandboxCatalog, endpoint: string, itemAssets?: Json): Json {
  return {
    collections: catalog.collections.map((c) => collectionDocument(c.id, endpoint, itemAssets)),
    links: [
      { rel: 'self', type: 'application/json', href: `${endpoint}/collections` },
      { rel: 'root', type: 'application/json', href: endpoint },
    ],
  };
}

/** Which queryables schema the sandbox serves: `open` allows any name, `closed` lists the items' properties. */
export type QueryablesKind = 'open' | 'closed';

/**
 * The queryables schema: permissive by default (stac-server v4 serves the same when none is configured);
 * `closed` (`additionalProperties: false`) lists what a filter may name: the item fields stac-server lists
 * (id, collection, geometry) and every property the sandbox items have, typed from the real item's values.
 */
export const queryables = (href: string, kind: QueryablesKind = 'open'): Json => ({
  $schema: 'https://json-schema.org/draft/2019-09/schema',
  $id: href,
  type: 'object',
  title: 'Queryables for the sandbox STAC API',
  properties: kind === 'open' ? {} : closedProperties(),
  additionalProperties: kind === 'open',
});

function closedProperties(): Json {
  const properties: Json = {
    id: { title: 'Item ID', type: 'string' },
    collection: { title: 'Collection ID', type: 'string' },
    geometry: { title: 'Item geometry', $ref: 'https://geojson.org/schema/Geometry.json' },
  };
  // The keys itemProperties (item-properties.ts) gives every item: the real item's, in its order.
  for (const [name, value] of Object.entries(templates().item.properties)) properties[name] = { title: name, ...schemaOf(value) };
  return properties;
}

function schemaOf(value: unknown): Json {
  if (typeof value === 'string') return /^\d{4}-\d\d-\d\dT/.test(value) ? { type: 'string', format: 'date-time' } : { type: 'string' };
  if (typeof value === 'number' || typeof value === 'boolean') return { type: typeof value };
  return { type: Array.isArray(value) ? 'array' : value === null ? 'null' : 'object' };
}

export const rootLink = (endpoint: string): Link => ({ rel: 'root', type: 'application/json', href: endpoint });

/**
 * stac-server's next link. GET: the request's own query string with `next=<token>` (other parameters kept,
 * in their order, `limit` as served). POST: `merge: false` and the full body with `next`.
 */
export function nextLink(
  request: { method: 'GET'; href: string; query: Array<[string, string]>; limit?: number } | { method: 'POST'; href: string; body: Json; limit?: number },
  token: string,
): Link {
  const link: Link = { rel: 'next', title: 'Next page of Items', method: request.method, type: 'application/geo+json', href: request.href };
  if (request.method === 'GET') {
    const pairs = request.query
      .filter(([key]) => key !== 'next')
      .map(([key, value]): [string, string] => [key, key === 'limit' && request.limit !== undefined ? String(request.limit) : value]);
    pairs.push(['next', token]);
    link.href = `${request.href}?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
  } else {
    const { next: _previous, limit: _limit, ...rest } = request.body;
    link.merge = false;
    link.body = { ...rest, ...(request.limit !== undefined ? { limit: request.limit } : {}), next: token };
  }
  return link;
}
