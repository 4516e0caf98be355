import type { StacItem } from '../src/entry.js';
import { formatMicros } from './datetime.js';
import { drawFootprint, drawStartMicros } from './footprint.js';
import { materialiseItem } from './item-factory.js';
import { hash32 } from './random.js';
import { parseSearchParams } from './search-params.js';
import { searchAll } from './search.js';

/** The three Kaguya TC collections the tutorial searches. */
export const KAGUYA_TC_COLLECTIONS: readonly string[] = Object.freeze([
  'kaguya_terrain_camera_stereoscopic_uncontrolled_observations',
  'kaguya_terrain_camera_spsupport_uncontrolled_observations',
  'kaguya_terrain_camera_monoscopic_uncontrolled_observations',
]);

export interface CollectionSpec {
  id: string;
  items: number;
}

/** The observing mode, after the collection id; it names the S3 folder (`terrain_camera/<kind>/`). */
export type ObservationKind = 'monoscopic' | 'stereoscopic' | 'spsupport';

export const kindOf = (collectionId: string): ObservationKind =>
  collectionId.includes('stereo') ? 'stereoscopic' : collectionId.includes('spsupport') ? 'spsupport' : 'monoscopic';

// TC1S2B0_01_07496N087E3020: camera, mode letter, level; version; orbit; centre latitude and east longitude ×10.
const ID_PATTERN = /^TC[12][SW]2B0_01_(\d{5,})[NS]\d{3}E\d{4}$/;

/**
 * The sandbox's catalog as a compact index: per item (numbered `g`, in time order over all collections) its
 * bbox, start time and collection, in typed arrays (42 bytes an item). Everything else about an item is
 * recomputed from the seed when it is served, so 200,000 items cost a few MB and start in milliseconds.
 *
 * Ids are real-looking and encode `g` as the orbit number (`g + 1`), so an id is found without a table.
 */
export class SandboxCatalog {
  readonly seed: number;
  readonly collections: readonly CollectionSpec[];
  /** Number of items over all collections. */
  readonly size: number;
  readonly west: Float64Array;
  readonly south: Float64Array;
  readonly east: Float64Array;
  readonly north: Float64Array;
  /** Start time (= `datetime`) in microseconds since the epoch; strictly increasing with `g`. */
  readonly start: Float64Array;
  /** Index into `collections` of each item. */
  readonly collectionOf: Uint16Array;
  private readonly ordinals: ReadonlyMap<string, number>;
  private readonly kinds: readonly ObservationKind[];

  constructor(seed: number, collections: readonly CollectionSpec[]) {
    if (collections.length === 0 || collections.length > 65535) throw new RangeError('sandbox: give 1 to 65535 collections');
    this.seed = seed >>> 0;
    this.collections = Object.freeze(collections.map((c) => Object.freeze({ id: c.id, items: Math.max(0, Math.floor(c.items)) })));
    this.ordinals = new Map(this.collections.map((c, i) => [c.id, i]));
    if (this.ordinals.size !== this.collections.length) throw new RangeError('sandbox: collection ids must be unique');
    this.kinds = this.collections.map((c) => kindOf(c.id));
    this.size = this.collections.reduce((sum, c) => sum + c.items, 0);
    this.collectionOf = interleave(this.collections.map((c) => c.items), this.size);
    this.west = new Float64Array(this.size);
    this.south = new Float64Array(this.size);
    this.east = new Float64Array(this.size);
    this.north = new Float64Array(this.size);
    this.start = new Float64Array(this.size);
    for (let g = 0; g < this.size; g += 1) {
      const box = drawFootprint(this.seed, g);
      this.west[g] = box.west;
      this.south[g] = box.south;
      this.east[g] = box.east;
      this.north[g] = box.north;
      this.start[g] = drawStartMicros(this.seed, g, this.size);
    }
  }

  /** Index of a collection id in `collections`, or -1. */
  ordinal(collectionId: string): number {
    return this.ordinals.get(collectionId) ?? -1;
  }

  collectionId(g: number): string {
    return this.collections[this.collectionOf[g]].id;
  }

  kind(g: number): ObservationKind {
    return this.kinds[this.collectionOf[g]];
  }

  /** `TC1S2B0_01_07496N087E3020`-style id of item `g`. */
  id(g: number): string {
    const camera = 1 + (hash32(this.seed, g, 3) & 1);
    const mode = this.kind(g) === 'stereoscopic' ? 'W' : 'S';
    const lat = (this.south[g] + this.north[g]) / 2;
    const lon = ((this.west[g] + this.east[g]) / 2 + 360) % 360;
    const orbit = String(g + 1).padStart(5, '0');
    const latText = `${lat < 0 ? 'S' : 'N'}${String(Math.round(Math.abs(lat) * 10)).padStart(3, '0')}`;
    const lonText = `E${String(Math.round(lon * 10) % 3600).padStart(4, '0')}`;
    return `TC${camera}${mode}2B0_01_${orbit}${latText}${lonText}`;
  }

  /** `g` of the item with this id (in this collection, when given), or -1. */
  find(id: string, collectionId?: string): number {
    const match = ID_PATTERN.exec(id);
    if (!match) return -1;
    const g = Number(match[1]) - 1;
    if (!(g >= 0 && g < this.size) || this.id(g) !== id) return -1;
    if (collectionId !== undefined && this.collectionId(g) !== collectionId) return -1;
    return g;
  }

  /** `datetime` of item `g` as the items write it (`2009-06-07T14:42:56.305175Z`). */
  datetime(g: number): string {
    return formatMicros(this.start[g]);
  }

  /**
   * Every match of a search, in the server's order: what paging through it must yield. `params` as a POST
   * body (`{ collections: [...], bbox: [3, 4, 5, 6], query: {...} }`); `limit` and `next` are ignored.
   */
  search(params: Record<string, unknown> = {}): Array<{ collection: string; id: string }> {
    const { limit: _limit, next: _next, ...rest } = params;
    return searchAll(this, parseSearchParams(rest, 'POST')).map((g) => ({ collection: this.collectionId(g), id: this.id(g) }));
  }

  /** An item as the API serves it, links on `endpoint` (the API root without trailing slash). */
  item(collectionId: string, id: string, endpoint = 'http://127.0.0.1'): StacItem | undefined {
    const g = this.find(id, collectionId);
    return g < 0 ? undefined : materialiseItem(this, g, endpoint);
  }

  /** Every item as the index knows it (cheap: no item JSON is built). For tests computing expectations. */
  *entries(): Generator<{ g: number; collection: string; id: string; bbox: [number, number, number, number]; datetime: string }> {
    for (let g = 0; g < this.size; g += 1) {
      yield { g, collection: this.collectionId(g), id: this.id(g), bbox: [this.west[g], this.south[g], this.east[g], this.north[g]], datetime: this.datetime(g) };
    }
  }
}

/**
 * Which collection each `g` belongs to: collections are spread evenly over time (item j of a collection of
 * n sits at (j + 0.5) / n of the mission), merged in that order; ties go to the earlier collection.
 */
function interleave(counts: readonly number[], total: number): Uint16Array {
  const out = new Uint16Array(total);
  const taken = counts.map(() => 0);
  for (let g = 0; g < total; g += 1) {
    let best = -1;
    let bestAt = Infinity;
    for (let c = 0; c < counts.length; c += 1) {
      if (taken[c] >= counts[c]) continue;
      const at = (taken[c] + 0.5) / counts[c];
      if (at < bestAt) {
        bestAt = at;
        best = c;
      }
    }
    out[g] = best;
    taken[best] += 1;
  }
  return out;
}
