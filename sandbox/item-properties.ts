import type { SandboxCatalog } from './catalog.js';
import { formatMicros, formatMillis } from './datetime.js';
import { between, hash32, prng } from './random.js';
import { templates } from './templates.js';

/** Metres per degree on the Moon (IAU 2015 sphere, R = 1737400 m), as the items' equirectangular CRS uses. */
const METRES_PER_DEGREE = (Math.PI / 180) * 1737400;
/** The real items image about 19.4 s per degree of latitude (30.26 s for 1.56°, 15.34 s for 0.79°). */
const MICROS_PER_DEGREE = 19.4e6;
const CREATED_FROM = Date.UTC(2023, 7, 23, 19) * 1000;
const UPDATED_FROM = Date.UTC(2023, 10, 3, 5) * 1000;

/** The random values of item `g` beyond its footprint and time; each is its own hash, so one is cheap to read. */
export interface ItemDraws {
  gsd: number;
  offNadir: number;
  azimuth: number;
  sunAzimuth: number;
  sunElevation: number;
  createdMicros: number;
  updatedMicros: number;
  statistics: { minimum: number; maximum: number; mean: number; stddev: number; valid_percent: number };
}

/** The k-th draw of item `g`, in [0, 1). */
const unit = (catalog: SandboxCatalog, g: number, k: number): number => hash32(catalog.seed, g, 4, k) / 4294967296;
/** A draw that a touch redraws: revision 0 is the generated value, each later revision its own. */
const revised = (catalog: SandboxCatalog, g: number, k: number): number => {
  const revision = catalog.revision(g);
  return revision === 0 ? unit(catalog, g, k) : hash32(catalog.seed, g, 4, k, revision) / 4294967296;
};

const DRAWN = {
  gsd: (c: SandboxCatalog, g: number) => round(between(unit(c, g, 0), 7.4, 10.6), 10),
  offNadir: (c: SandboxCatalog, g: number) => round(between(unit(c, g, 1), 0.5, 20), 12),
  azimuth: (c: SandboxCatalog, g: number) => round((unit(c, g, 2) < 0.5 ? 89 : 269) + 2 * unit(c, g, 3), 11),
  sunAzimuth: (c: SandboxCatalog, g: number) => round(between(unit(c, g, 4), 60, 300), 12),
  // A re-ingest reprocesses the observation: its sun elevation (the label's LocalTime) comes out changed.
  sunElevation: (c: SandboxCatalog, g: number) => round(between(revised(c, g, 5), 3, 80), 13),
  createdMicros: (c: SandboxCatalog, g: number) => c.edit(g)?.createdMicros ?? CREATED_FROM + Math.floor(unit(c, g, 6) * 3.6e9),
  updatedMicros: (c: SandboxCatalog, g: number) => c.edit(g)?.updatedMicros ?? UPDATED_FROM + Math.floor(unit(c, g, 7) * 3.6e9),
};

/** `updated` of item `g` in microseconds: its last ingest's stamp (catalog-changes.ts), else the generated one. */
export const updatedMicros = DRAWN.updatedMicros;

export function itemDraws(catalog: SandboxCatalog, g: number): ItemDraws {
  const draw = prng(hash32(catalog.seed, g, 5));
  return {
    gsd: DRAWN.gsd(catalog, g),
    offNadir: DRAWN.offNadir(catalog, g),
    azimuth: DRAWN.azimuth(catalog, g),
    sunAzimuth: DRAWN.sunAzimuth(catalog, g),
    sunElevation: DRAWN.sunElevation(catalog, g),
    createdMicros: DRAWN.createdMicros(catalog, g),
    updatedMicros: DRAWN.updatedMicros(catalog, g),
    statistics: {
      minimum: Math.floor(between(draw(), 0, 60)),
      maximum: Math.floor(between(draw(), 2000, 2600)),
      mean: round(between(draw(), 500, 900), 11),
      stddev: round(between(draw(), 90, 200), 11),
      valid_percent: round(between(draw(), 97, 99.9), 2),
    },
  };
}

type Varying = (catalog: SandboxCatalog, g: number, draws?: ItemDraws) => unknown;

/**
 * The properties that differ between items, after the real item: `proj:bbox` and `cube:dimensions` are the
 * bbox, `proj:shape`/`proj:transform` the footprint at `gsd` in the equirectangular (clon = 180) projection,
 * `datetime` = `start_datetime`, the observation lasting as long as the real ones per degree of latitude.
 */
const VARYING: Readonly<Record<string, Varying>> = {
  start_datetime: (c, g) => c.datetime(g),
  end_datetime: (c, g) => formatMicros(c.start[g] + Math.round((c.north[g] - c.south[g]) * MICROS_PER_DEGREE)),
  title: (c, g) => c.id(g),
  gsd: (c, g, d) => d?.gsd ?? DRAWN.gsd(c, g),
  'proj:bbox': (c, g) => [c.west[g], c.south[g], c.east[g], c.north[g]],
  'proj:centroid': (c, g) => templateCentroid(c.west[g], c.south[g], c.east[g], c.north[g]),
  'proj:shape': (c, g, d) => {
    const gsd = d?.gsd ?? DRAWN.gsd(c, g);
    return [Math.round(((c.north[g] - c.south[g]) * METRES_PER_DEGREE) / gsd), Math.round(((c.east[g] - c.west[g]) * METRES_PER_DEGREE) / gsd)];
  },
  'proj:transform': (c, g, d) => {
    const gsd = d?.gsd ?? DRAWN.gsd(c, g);
    return [round((((c.west[g] + 360) % 360) - 180) * METRES_PER_DEGREE, 7), gsd, 0, round(c.north[g] * METRES_PER_DEGREE, 8), 0, -gsd];
  },
  'cube:dimensions': (c, g) => ({
    x: { type: 'spatial', axis: 'x', extent: [c.west[g], c.east[g]] },
    y: { type: 'spatial', axis: 'y', extent: [c.south[g], c.north[g]] },
  }),
  'view:off_nadir': (c, g, d) => d?.offNadir ?? DRAWN.offNadir(c, g),
  'view:azimuth': (c, g, d) => d?.azimuth ?? DRAWN.azimuth(c, g),
  'view:sun_azimuth': (c, g, d) => d?.sunAzimuth ?? DRAWN.sunAzimuth(c, g),
  'view:sun_elevation': (c, g, d) => d?.sunElevation ?? DRAWN.sunElevation(c, g),
  datetime: (c, g) => c.datetime(g),
  created: (c, g, d) => formatMillis(d?.createdMicros ?? DRAWN.createdMicros(c, g)),
  updated: (c, g, d) => formatMillis(d?.updatedMicros ?? DRAWN.updatedMicros(c, g)),
};

/** One property of item `g` (undefined when items have no such property). */
export function propertyValue(catalog: SandboxCatalog, g: number, name: string): unknown {
  const varying = VARYING[name];
  if (varying) return varying(catalog, g);
  return templates().item.properties[name];
}

/** All `properties` of item `g`, in the real item's key order; constant values are the real item's, shared. */
export function itemProperties(catalog: SandboxCatalog, g: number, draws: ItemDraws): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(templates().item.properties)) {
    const varying = VARYING[key];
    properties[key] = varying ? varying(catalog, g, draws) : value;
  }
  return properties;
}

/** The real item's centroid, moved with its footprint into this bbox. */
function templateCentroid(west: number, south: number, east: number, north: number): { lat: number; lon: number } {
  const item = templates().item;
  const [tw, ts, te, tn] = item.bbox as number[];
  const { lat, lon } = item.properties['proj:centroid'] as { lat: number; lon: number };
  return { lat: south + ((lat - ts) / (tn - ts)) * (north - south), lon: west + ((lon - tw) / (te - tw)) * (east - west) };
}

/** Rounds to `digits` decimals, as the real values are written (e.g. gsd 7.6508919736877). */
const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;
