import type { StacAsset, StacItem } from '../src/entry.js';
import type { SandboxCatalog } from './catalog.js';
import { itemDraws, itemProperties, type ItemDraws } from './item-properties.js';
import { templates } from './templates.js';

/**
 * Item `g` as the USGS API serves it: the real item's shape (key order, properties, asset keys, href form)
 * with this item's values, and stac-server's item links (self, parent, collection, root) on `endpoint`
 * (the API root without a trailing slash). Built on demand; constant parts are shared, never copied.
 */
export function materialiseItem(catalog: SandboxCatalog, g: number, endpoint: string): StacItem {
  const template = templates().item;
  const id = catalog.id(g);
  const collection = catalog.collectionId(g);
  const draws = itemDraws(catalog, g);
  const bbox = [catalog.west[g], catalog.south[g], catalog.east[g], catalog.north[g]];
  const collectionHref = `${endpoint}/collections/${collection}`;
  return {
    type: 'Feature',
    stac_version: template.stac_version,
    id,
    properties: itemProperties(catalog, g, draws) as StacItem['properties'],
    geometry: { type: 'Polygon', coordinates: [footprintRing(bbox)] },
    links: [
      { rel: 'self', type: 'application/geo+json', href: `${collectionHref}/items/${id}` },
      { rel: 'parent', type: 'application/json', href: collectionHref },
      { rel: 'collection', type: 'application/json', href: collectionHref },
      { rel: 'root', type: 'application/json', href: endpoint },
    ],
    assets: assetsFor(id, catalog.kind(g), draws),
    bbox,
    stac_extensions: template.stac_extensions,
    collection,
  };
}

/** The real footprint polygon (43 vertices along the swath edges) scaled into `bbox`; its extremes are the bbox. */
function footprintRing([west, south, east, north]: number[]): number[][] {
  const template = templates().item;
  const [tw, ts, te, tn] = template.bbox as number[];
  const ring = (template.geometry as { coordinates: number[][][] }).coordinates[0];
  const sx = (east - west) / (te - tw);
  const sy = (north - south) / (tn - ts);
  return ring.map(([x, y]) => [west + (x - tw) * sx, south + (y - ts) * sy]);
}

const TEMPLATE_KIND = '/terrain_camera/monoscopic/';

/** The real assets with this item's id (and observing mode folder) in the hrefs; the image asset's raster band varied. */
function assetsFor(id: string, kind: string, draws: ItemDraws): Record<string, StacAsset> {
  const template = templates().item;
  const assets: Record<string, StacAsset> = {};
  for (const [key, asset] of Object.entries(template.assets)) {
    const href = asset.href.split(template.id).join(id).replace(TEMPLATE_KIND, `/terrain_camera/${kind}/`);
    const bands = asset['raster:bands'] as Array<Record<string, unknown>> | undefined;
    assets[key] = bands
      ? { ...asset, href, 'raster:bands': bands.map((band) => ({ ...band, spatial_resolution: draws.gsd, statistics: draws.statistics })) }
      : { ...asset, href };
  }
  return assets;
}
