import { GOOD_LABELS, deepUnclosedLabel, imageBytes, largeInvalidLabel, md5Etag, multipartEtag } from './objects.js';

/**
 * A scenario: the STAC API and objects one pipeline run reads from the hostile server, under
 * `/stac/<name>/` (API), `/hostile/<name>/<id>/…` (S3, bucket `hostile`) and `/plain/<name>/<id>/…` (plain HTTP).
 * Each item's label and image may be answered by a hostile case; everything else is answered honestly.
 */

/** How the server answers one object (label or image). See cases.ts for each answer. */
export type ObjectCase =
  | 'good'
  | 'endless-chunked'
  | 'endless-close'
  | 'huge-length'
  | 'endless-404'
  | 'endless-trailers'
  | 'endless-continue'
  | 'slow-head'
  | 'slow-body'
  | 'head-late-body'
  | 'te-and-cl'
  | 'status-000'
  | 'status-099'
  | 'deep-label'
  | 'invalid-label';

/** How the server answers the API itself. */
export type ApiCase = 'good' | 'endless-page' | 'endless-second-page' | 'slow-page-body' | 'slow-landing-head';

export interface ItemSpec {
  id: string;
  /** Where the item's asset hrefs point: `s3://hostile/…` (read through `s3.endpoint`) or `http://127.0.0.1:PORT/plain/…`. */
  transport: 's3' | 'http';
  label?: ObjectCase;
  image?: ObjectCase;
  /** Extra properties, as JSON text (so a 6,000-deep array is never built or stringified here). */
  rawProperties?: Record<string, string>;
}

export interface ScenarioSpec {
  items: ItemSpec[];
  api?: ApiCase;
  /** Items per search page (default: all on one page). */
  pageSize?: number;
  /** Base URL (another server) that serves the pages after the first: a next link to another origin. */
  nextOrigin?: string;
}

export interface StoredObject {
  body: Buffer;
  etag: string;
  contentType: string;
  case: ObjectCase;
}

export const COLLECTION = 'hostile';
export const BUCKET = 'hostile';

const made = new Map<string, StoredObject>();

/** The object an item's asset is, as the server holds it (the hostile case decides how it is sent). Made once. */
export function objectOf(scenario: string, spec: ScenarioSpec, item: ItemSpec, asset: 'label' | 'image'): StoredObject {
  const key = `${scenario}/${item.id}/${asset}`;
  let obj = made.get(key);
  if (!obj) made.set(key, (obj = makeObject(scenario, spec, item, asset)));
  return obj;
}

function makeObject(scenario: string, spec: ScenarioSpec, item: ItemSpec, asset: 'label' | 'image'): StoredObject {
  const index = spec.items.indexOf(item);
  if (asset === 'image') {
    const body = imageBytes(`${scenario}/${item.id}`);
    const kase = item.image ?? 'good';
    // A late HEAD body forges a whole response: only the bytes themselves can tell it apart, not an MD5.
    return { body, etag: kase === 'head-late-body' ? multipartEtag(body) : md5Etag(body), contentType: 'image/tiff', case: kase };
  }
  const kase = item.label ?? 'good';
  const body = kase === 'deep-label' ? deepUnclosedLabel() : kase === 'invalid-label' ? largeInvalidLabel() : GOOD_LABELS[index % GOOD_LABELS.length];
  return { body, etag: md5Etag(body), contentType: 'text/plain', case: kase };
}

export function labelFileOf(id: string): string {
  return `${id}.caminfo.pvl`;
}

export function imageFileOf(id: string): string {
  return `${id}.img`;
}

/** The asset hrefs of an item, as the API lists them. */
export function assetHref(origin: string, scenario: string, item: ItemSpec, file: string): string {
  return item.transport === 's3' ? `s3://${BUCKET}/${scenario}/${item.id}/${file}` : `${origin}/plain/${scenario}/${item.id}/${file}`;
}

/** A STAC item as JSON text; raw properties are spliced in as text. */
export function itemJson(origin: string, scenario: string, item: ItemSpec): string {
  const raw = item.rawProperties ?? {};
  const placeholders: Record<string, string> = {};
  for (const key of Object.keys(raw)) placeholders[key] = `__raw_${key}__`;
  const json = JSON.stringify({
    type: 'Feature',
    stac_version: '1.0.0',
    id: item.id,
    collection: COLLECTION,
    geometry: { type: 'Point', coordinates: [4, 5] },
    bbox: [4, 5, 4, 5],
    properties: { datetime: '2008-01-01T00:00:00Z', ...placeholders },
    links: [],
    assets: {
      caminfo_pvl: { href: assetHref(origin, scenario, item, labelFileOf(item.id)), type: 'text/plain', roles: ['metadata'] },
      image: { href: assetHref(origin, scenario, item, imageFileOf(item.id)), type: 'image/tiff', roles: ['data'] },
    },
  });
  return Object.entries(raw).reduce((text, [key, value]) => text.replace(`"${placeholders[key]}"`, value), json);
}

/** Search page `page` (1-based): its items and, when more follow, a next link (on `nextOrigin` when set). */
export function pageJson(origin: string, scenario: string, spec: ScenarioSpec, page: number): string {
  const size = spec.pageSize ?? spec.items.length;
  const items = spec.items.slice((page - 1) * size, page * size);
  const more = page * size < spec.items.length;
  const nextBase = spec.nextOrigin ?? origin;
  const links = more ? [{ rel: 'next', method: 'GET', type: 'application/geo+json', href: `${nextBase}/stac/${scenario}/search?page=${page + 1}` }] : [];
  const features = items.map((item) => itemJson(origin, scenario, item)).join(',');
  return `{"type":"FeatureCollection","numberReturned":${items.length},"features":[${features}],"links":${JSON.stringify(links)}}`;
}

export function landingPageJson(origin: string, scenario: string): string {
  const base = `${origin}/stac/${scenario}/`;
  return JSON.stringify({
    stac_version: '1.0.0',
    type: 'Catalog',
    id: `hostile-${scenario}`,
    description: 'a hostile test server',
    conformsTo: ['https://api.stacspec.org/v1.0.0/core', 'https://api.stacspec.org/v1.0.0/item-search'],
    links: [
      { rel: 'self', type: 'application/json', href: base },
      { rel: 'root', type: 'application/json', href: base },
      { rel: 'search', type: 'application/geo+json', href: `${base}search`, method: 'GET' },
    ],
  });
}
