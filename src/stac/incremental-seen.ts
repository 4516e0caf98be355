import type { StacItem } from '../entry.js';

/**
 * The items one incremental run has already emitted, by (collection, id, updated): pages shift while the
 * server ingests (an item touched mid-run moves in `updated` order, a page boundary moves), and an item can
 * then come twice. The same item changed again (another `updated`) is new work and passes. About 100 bytes an
 * item for the run's length; a run without `state:` keeps none.
 */
export class SeenItems {
  private readonly keys = new Set<string>();

  /** True the first time this (collection, id, updated) is offered; `collection` is the search's when the item has none. */
  firstTime(item: StacItem, collection: string | undefined): boolean {
    if (typeof item !== 'object' || item === null) return true; // not an item: item-guard.ts fails it alone
    const updated = item.properties?.updated;
    const key = `${item.collection ?? collection ?? ''}\u0000${String(item.id)}\u0000${typeof updated === 'string' ? updated : ''}`;
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    return true;
  }
}
