import type { Entry } from '../entry.js';
import { shardOfItem, shardTag, type ShardSpec } from './shard-spec.js';

/**
 * How a shard picks its items from the search: `hash` (every shard runs the whole search and keeps the items
 * whose hash of `collection/id` is its index) or `datetime` (a plan file gave each shard a datetime window:
 * its search is narrowed to it, and it keeps the items whose datetime starts in it, src/shard/plan-file.ts).
 */
export type ShardStrategy = 'hash' | 'datetime';

/**
 * The part of a run's items this process works on, given to runPipeline (`RunOptions.shard`). The engine
 * tests every entry right after the source, before the incremental state: an entry `keeps` says no to is
 * another shard's, never worked, never recorded in this shard's state, and not counted as dropped by a stage.
 */
export interface ShardSelection {
  readonly spec: ShardSpec;
  readonly strategy: ShardStrategy;
  /** The plan file a `datetime` selection was read from (for the report). */
  readonly plan?: string;
  /** For the report: what the selection keeps, in a few words (the window of a plan). */
  readonly describe?: string;
  /**
   * The pipeline's fingerprint (src/engine/fingerprint.ts) as the shards were given it, before a shard's own file
   * names and window: the same in every shard of one run; `stacflow merge` checks it against the file it merges.
   */
  readonly pipeline?: string;
  /** Whether this shard works on the entry (a pure, cheap function of the item: called for every item searched). */
  keeps(entry: Entry): boolean;
}

/** The default selection: this shard's items by the stable hash of `collection/id` (shard-spec.ts). */
export function hashSelection(spec: ShardSpec): ShardSelection {
  return {
    spec,
    strategy: 'hash',
    describe: `items whose SHA-256(collection/id) mod ${spec.count} is ${spec.index}`,
    keeps: (entry) => shardOfItem(entry.item.collection, entry.item.id, spec.count) === spec.index,
  };
}

/** The `shard` section of a run report: which shard ran, chosen how, and the tag its files carry. */
export interface ShardReport {
  index: number;
  count: number;
  from: ShardSpec['from'];
  strategy: ShardStrategy;
  tag: string;
  plan?: string;
  keeps?: string;
  /** The pipeline's fingerprint (source and steps) before the shard's file names: `stacflow merge` compares it. */
  pipeline_fingerprint?: string;
}

export function shardReport(selection: ShardSelection): ShardReport {
  const { spec } = selection;
  return {
    index: spec.index,
    count: spec.count,
    from: spec.from,
    strategy: selection.strategy,
    tag: shardTag(spec),
    ...(selection.plan !== undefined ? { plan: selection.plan } : {}),
    ...(selection.describe !== undefined ? { keeps: selection.describe } : {}),
    ...(selection.pipeline !== undefined ? { pipeline_fingerprint: selection.pipeline } : {}),
  };
}
