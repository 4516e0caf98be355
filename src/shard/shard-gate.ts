import { Observable, type OperatorFunction } from 'rxjs';
import type { Entry } from '../entry.js';
import type { Demand } from '../engine/demand.js';
import type { RunStats } from '../engine/stats.js';
import type { ShardSelection } from './selection.js';

/** The pseudo-stage a sharded run counts under: `searched`, `this_shard`, `other_shards`. */
export const SHARD_LABEL = 'shard';

/**
 * Right after the source, before the incremental state (src/engine/run.ts): entries of other shards leave here.
 * They are nobody's drop (no stage counts them dropped, no state records them: a shard's state only knows its
 * own items, and --reconcile cannot mark another shard's items removed); their flow slot is given back at once,
 * so the source pages on as fast as the shard's own entries leave.
 */
export function shardGate(selection: ShardSelection, stats: RunStats, demand: Demand): OperatorFunction<Entry, Entry> {
  return (source) =>
    new Observable<Entry>((subscriber) =>
      source.subscribe({
        next: (entry) => {
          stats.count(SHARD_LABEL, 'searched');
          let keeps: boolean;
          try {
            keeps = selection.keeps(entry);
          } catch (err) {
            subscriber.error(err); // keeps() is pure: a throw is a bug, not an item failure
            return;
          }
          if (keeps) {
            stats.count(SHARD_LABEL, 'this_shard');
            subscriber.next(entry);
            return;
          }
          stats.count(SHARD_LABEL, 'other_shards');
          demand.release();
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
