import { Observable } from 'rxjs';
import { z } from 'zod';
import { newEntry, type Entry, type StacItem } from '../../src/entry.js';
import type { Demand } from '../../src/engine/demand.js';
import type { SourceStage } from '../../src/engine/stage.js';

/**
 * A source stage as real ones are (operators/README.md, "Sources"): it takes a flow slot (`ctx.demand`)
 * before each entry it emits, stops when unsubscribed, and counts nothing (the engine does). `items` is read
 * lazily, so a million items cost nothing until the run wants them; `afterAcquire` sees the flow control.
 */
export function slotSource(name: string, items: () => Iterable<StacItem>, afterAcquire?: (demand: Demand) => void): SourceStage {
  return {
    name, kind: 'source', summary: `${name} (test source)`, example: '', schema: z.object({}).strict(),
    create: (_options, ctx) =>
      new Observable<Entry>((subscriber) => {
        let stopped = false;
        (async () => {
          for (const item of items()) {
            if (stopped) return;
            await ctx.demand.acquire();
            afterAcquire?.(ctx.demand);
            subscriber.next(newEntry(item));
          }
          subscriber.complete();
        })().catch((err: unknown) => subscriber.error(err));
        return () => { stopped = true; };
      }),
  };
}

/** Items `item-0` … `item-(n-1)` of collection `c`, `properties.n` their number. */
export function* numberedItems(n: number): Generator<StacItem> {
  for (let i = 0; i < n; i++) yield { type: 'Feature', id: `item-${i}`, collection: 'c', geometry: null, properties: { n: i }, assets: {} };
}
