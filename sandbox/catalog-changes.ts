import type { SandboxCatalog } from './catalog.js';
import { formatMillis } from './datetime.js';
import { hash32, prng } from './random.js';

/**
 * What happens to the catalog between two nights, as it happens to the USGS one: new observations ingested,
 * some ingested again (reprocessed: `updated` stamped, a property, the caminfo label and the image bytes
 * changed, so the objects' ETags), some deleted. stac-server stamps `updated` (and `created` for a new item)
 * with the ingest's time; so does the sandbox, with `at` (default now, in milliseconds as stac-server writes it).
 *
 * Which items a count draws is decided by the seed and the number of changes applied before: the same seed
 * and the same calls in the same order change the same items, on every start.
 */
export interface CatalogChanges {
  /** New items per collection id, e.g. `{ kaguya_terrain_camera_monoscopic_uncontrolled_observations: 20 }`. */
  readonly add?: Readonly<Record<string, number>>;
  /** Items ingested again: how many (drawn from the seed) or which ids. */
  readonly touch?: number | readonly string[];
  /** Items deleted: how many (drawn from the seed) or which ids. */
  readonly remove?: number | readonly string[];
  /** Draw touched and removed items from this collection only. */
  readonly collection?: string;
  /** The ingest's time stamped as `updated`: a Date, RFC 3339 text or epoch milliseconds. Default now. */
  readonly at?: Date | string | number;
}

export interface ItemRef {
  readonly collection: string;
  readonly id: string;
}

/** What a change did: the stamp written and the items, each list in item order. */
export interface CatalogChangeResult {
  /** The `updated` written on every added and touched item (`2026-12-03T14:42:56.305Z`). */
  readonly updated: string;
  readonly added: ItemRef[];
  readonly touched: ItemRef[];
  readonly removed: ItemRef[];
}

/** The change applied to the index, with the item numbers the S3 side must follow. */
export interface AppliedChange {
  readonly result: CatalogChangeResult;
  /** Added and touched items (their objects are written anew). */
  readonly ingested: readonly number[];
  readonly removed: readonly number[];
}

/**
 * Applies `changes` to the catalog: removals first, then touches (among the items left), then additions (so a
 * count never draws an item this same change added). Throws RangeError naming what is wrong (an unknown id or
 * collection, a bad count or time) before changing anything.
 */
export function applyCatalogChanges(catalog: SandboxCatalog, changes: CatalogChanges): AppliedChange {
  const atMs = stampMillis(changes.at);
  const atMicros = atMs * 1000;
  if (changes.collection !== undefined && catalog.ordinal(changes.collection) < 0) throw new RangeError(`sandbox: no collection ${changes.collection}`);
  for (const [collection, count] of Object.entries(changes.add ?? {})) {
    if (catalog.ordinal(collection) < 0) throw new RangeError(`sandbox: cannot add items to ${collection}: no such collection`);
    if (!(Number.isSafeInteger(count) && count >= 0)) throw new RangeError(`sandbox: add ${collection}: expected a whole number >= 0, got ${count}`);
  }
  const draw = prng(hash32(catalog.seed, 90, catalog.changeSerial));

  const removed = chosen(catalog, changes.remove, 'remove', changes.collection, draw, new Set());
  const touched = chosen(catalog, changes.touch, 'touch', changes.collection, draw, new Set(removed));
  catalog.changeSerial += 1; // counted once nothing can fail: a refused change draws nothing
  catalog.remove(removed);
  for (const g of touched) catalog.touch(g, atMicros);
  const added: number[] = [];
  for (const [collection, count] of Object.entries(changes.add ?? {})) added.push(...catalog.ingest(collection, count, atMicros));

  const refs = (gs: readonly number[]) => [...gs].sort((a, b) => a - b).map((g) => ({ collection: catalog.collectionId(g), id: catalog.id(g) }));
  return {
    result: { updated: formatMillis(atMicros), added: refs(added), touched: refs(touched), removed: refs(removed) },
    ingested: [...touched, ...added],
    removed,
  };
}

/** The items named (ids) or drawn (a count) for one kind of change; never one in `excluded`, never twice. */
function chosen(
  catalog: SandboxCatalog, target: number | readonly string[] | undefined, what: string, collection: string | undefined,
  draw: () => number, excluded: ReadonlySet<number>,
): number[] {
  if (target === undefined) return [];
  if (typeof target !== 'number') {
    const found = new Set<number>();
    for (const id of target) {
      const g = catalog.find(id, collection);
      if (g < 0) throw new RangeError(`sandbox: cannot ${what} ${id}: no such item${collection ? ` in ${collection}` : ''}`);
      if (excluded.has(g)) throw new RangeError(`sandbox: cannot ${what} ${id}: it is removed by the same change`);
      found.add(g);
    }
    return [...found];
  }
  if (!(Number.isSafeInteger(target) && target >= 0)) throw new RangeError(`sandbox: ${what}: expected a whole number >= 0, got ${target}`);
  const wanted = collection === undefined ? -1 : catalog.ordinal(collection);
  const live: number[] = [];
  for (let g = 0; g < catalog.size; g += 1) {
    if (!catalog.isRemoved(g) && !excluded.has(g) && (wanted < 0 || catalog.collectionOf[g] === wanted)) live.push(g);
  }
  // A partial Fisher-Yates shuffle: the first `count` places are a uniform draw without repeats.
  const count = Math.min(target, live.length);
  for (let k = 0; k < count; k += 1) {
    const pick = k + Math.floor(draw() * (live.length - k));
    [live[k], live[pick]] = [live[pick], live[k]];
  }
  return live.slice(0, count);
}

function stampMillis(at: CatalogChanges['at']): number {
  if (at === undefined) return Date.now();
  const ms = at instanceof Date ? at.getTime() : typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms)) throw new RangeError(`sandbox: at: expected a time (Date, RFC 3339 text or epoch ms), got ${JSON.stringify(at)}`);
  return Math.floor(ms);
}
