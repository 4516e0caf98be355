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
  /** The collections and how many items each serves now (ingests and removals change the counts). */
  collections: readonly CollectionSpec[];
  /** Number of items numbered so far (removed ones included: `g` is never reused). Grows only through `ingest`. */
  size: number;
  /** Counts the changes (items added, ingested again, removed): what a search computed before them is stale. */
  changes = 0;
  // The index arrays are replaced, never resized in place, when items are ingested: read them through the catalog.
  west: Float64Array;
  south: Float64Array;
  east: Float64Array;
  north: Float64Array;
  /** Start time (= `datetime`) in microseconds since the epoch; strictly increasing with `g`. */
  start: Float64Array;
  /** Index into `collections` of each item. */
  collectionOf: Uint16Array;
  /** Changes applied so far (catalog-changes.ts): each draws its items from its own stream. */
  changeSerial = 0;
  private readonly ordinals: ReadonlyMap<string, number>;
  private readonly kinds: readonly ObservationKind[];
  /** Items numbered at construction: later items continue the time slots after them. */
  private readonly initialSize: number;
  /** Items ingested again (touched) or ingested after startup: their `updated` stamp and revision. */
  private readonly edits = new Map<number, ItemEdit>();
  private readonly removed = new Set<number>();

  constructor(seed: number, collections: readonly CollectionSpec[]) {
    if (collections.length === 0 || collections.length > 65535) throw new RangeError('sandbox: give 1 to 65535 collections');
    this.seed = seed >>> 0;
    this.collections = Object.freeze(collections.map((c) => Object.freeze({ id: c.id, items: Math.max(0, Math.floor(c.items)) })));
    this.ordinals = new Map(this.collections.map((c, i) => [c.id, i]));
    if (this.ordinals.size !== this.collections.length) throw new RangeError('sandbox: collection ids must be unique');
    this.kinds = this.collections.map((c) => kindOf(c.id));
    this.size = this.collections.reduce((sum, c) => sum + c.items, 0);
    this.initialSize = this.size;
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

  /** `g` of the item with this id (in this collection, when given), or -1 (also for a removed item). */
  find(id: string, collectionId?: string): number {
    const match = ID_PATTERN.exec(id);
    if (!match) return -1;
    const g = Number(match[1]) - 1;
    if (!(g >= 0 && g < this.size) || this.removed.has(g) || this.id(g) !== id) return -1;
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

  /** Every item served (removed ones left out), as the index knows it (cheap: no item JSON is built). For tests computing expectations. */
  *entries(): Generator<{ g: number; collection: string; id: string; bbox: [number, number, number, number]; datetime: string }> {
    for (let g = 0; g < this.size; g += 1) {
      if (this.removed.has(g)) continue;
      yield { g, collection: this.collectionId(g), id: this.id(g), bbox: [this.west[g], this.south[g], this.east[g], this.north[g]], datetime: this.datetime(g) };
    }
  }

  /** Whether item `g` was removed (no longer served, found or searched). */
  isRemoved(g: number): boolean {
    return this.removed.has(g);
  }

  /** Whether any item was removed (searches skip the test otherwise). */
  hasRemovals(): boolean {
    return this.removed.size > 0;
  }

  /** How item `g` was changed since startup (its ingest stamp and revision), or undefined: as generated. */
  edit(g: number): ItemEdit | undefined {
    return this.edits.get(g);
  }

  /** Content revision of item `g`: 0 as generated, +1 on every touch (drawn values, label and image bytes change). */
  revision(g: number): number {
    return this.edits.get(g)?.revision ?? 0;
  }

  /**
   * Numbers `count` new items of `collectionId`, stamped `updated` = `created` = `atMicros` (stac-server stamps
   * every ingest). They take the time slots after the last item, so `g` order stays time order and ids stay
   * unique. Returns their `g`.
   */
  ingest(collectionId: string, count: number, atMicros: number): number[] {
    const c = this.ordinal(collectionId);
    if (c < 0) throw new RangeError(`sandbox: no collection ${collectionId} (have ${this.collections.map((x) => x.id).join(', ')})`);
    if (!(Number.isSafeInteger(count) && count >= 0)) throw new RangeError(`sandbox: add a whole number of items >= 0, got ${count}`);
    const from = this.size;
    const to = from + count;
    const grow = <T extends Float64Array | Uint16Array>(old: T, make: (n: number) => T): T => {
      const next = make(to);
      next.set(old);
      return next;
    };
    this.west = grow(this.west, (n) => new Float64Array(n));
    this.south = grow(this.south, (n) => new Float64Array(n));
    this.east = grow(this.east, (n) => new Float64Array(n));
    this.north = grow(this.north, (n) => new Float64Array(n));
    this.start = grow(this.start, (n) => new Float64Array(n));
    this.collectionOf = grow(this.collectionOf, (n) => new Uint16Array(n));
    const added: number[] = [];
    for (let g = from; g < to; g += 1) {
      const box = drawFootprint(this.seed, g);
      this.west[g] = box.west;
      this.south[g] = box.south;
      this.east[g] = box.east;
      this.north[g] = box.north;
      this.start[g] = drawStartMicros(this.seed, g, this.initialSize); // the slots after the mission's last
      this.collectionOf[g] = c;
      this.edits.set(g, { updatedMicros: atMicros, createdMicros: atMicros, revision: 0 });
      added.push(g);
    }
    this.size = to;
    this.changes += 1;
    this.recount();
    return added;
  }

  /** Ingests item `g` again: `updated` = `atMicros`, and its content's next revision. */
  touch(g: number, atMicros: number): void {
    if (!(g >= 0 && g < this.size) || this.removed.has(g)) throw new RangeError(`sandbox: no item number ${g} to touch`);
    const edit = this.edits.get(g);
    this.edits.set(g, { ...edit, updatedMicros: atMicros, revision: (edit?.revision ?? 0) + 1 });
    this.changes += 1;
  }

  /** Removes items: no longer served, found or searched. Their numbers are not reused. */
  remove(gs: readonly number[]): void {
    for (const g of gs) if (!(g >= 0 && g < this.size) || this.removed.has(g)) throw new RangeError(`sandbox: no item number ${g} to remove`);
    for (const g of gs) this.removed.add(g);
    this.changes += 1;
    this.recount(); // once a change: a count over the whole index
  }

  /** `collections[].items` as served now. */
  private recount(): void {
    const counts = this.collections.map(() => 0);
    for (let g = 0; g < this.size; g += 1) if (!this.removed.has(g)) counts[this.collectionOf[g]] += 1;
    this.collections = Object.freeze(this.collections.map((c, i) => Object.freeze({ id: c.id, items: counts[i] })));
  }
}

/** What changed about an item since startup. Undefined fields keep the generated value. */
export interface ItemEdit {
  /** The last ingest's stamp (`updated`), microseconds since the epoch. */
  readonly updatedMicros: number;
  /** Set for items ingested after startup: `created` = their ingest. */
  readonly createdMicros?: number;
  /** 0 as generated; each touch adds 1. */
  readonly revision: number;
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
