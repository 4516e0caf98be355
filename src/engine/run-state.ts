import type { Entry } from '../entry.js';

/**
 * What the engine needs of an incremental state (a pipeline with `state:`, issue 12), whatever stores it: the
 * CLI opens the SQLite store (src/state) and hands it in; tests may give another. The engine never reads a
 * file itself: it asks what each item was when last seen, and tells how each item ended.
 */

/** How an item ended in a run: written done, written failed, or dropped on purpose (a filter said no). */
export type ItemOutcome = 'done' | 'failed' | 'dropped';

/** What the state remembers of one item. `given_up`: failed `max_attempts` times; `removed`: gone from the source. */
export interface ItemMemory {
  /** The version the item had when last worked: its `updated`, or a hash of the item when it has none. */
  readonly version: string;
  readonly status: ItemOutcome | 'given_up' | 'removed';
  /** Runs that ended with the item failed, in a row. */
  readonly attempts: number;
}

/**
 * How far an item got through each step of the pipeline in the run that last recorded it (by step label):
 * `done` (passed), `failed` (the step recorded its failure), `dropped` (the step let it go on purpose),
 * `not_reached` (a step before failed or dropped it). A retried item skips the steps it passed whose whole
 * work is kept in its entry (StepStage.keepsWorkInEntry: a label read is not repeated).
 */
export type StageStatus = 'done' | 'failed' | 'dropped' | 'not_reached';
export type StageStatuses = Readonly<Record<string, StageStatus>>;

/** A run as the state records it. */
export interface StateRunStart {
  readonly startedAt: string;
  /** Hash of the source and steps as the pipeline configures them: a change works every item again. */
  readonly fingerprint: string;
  readonly fullRefresh: boolean;
  readonly reconcile: boolean;
}

/**
 * A snapshot output as a complete run left it: a later run that works nothing keeps the file as it is, instead
 * of writing the same rows again from the state, when its options and the file (size, mtime) are the same.
 */
export interface KeptOutput {
  readonly path: string;
  readonly rows: number;
  readonly size: number;
  readonly mtimeMs: number;
  /** An `s3://` output: the ETag S3 gave the object this run uploaded (its mtimeMs is 0, unused). */
  readonly etag?: string;
  /** Hash of the output's stage and options. */
  readonly options: string;
}

export interface StateRunEnd {
  readonly endedAt: string;
  readonly status: 'done' | 'done_with_failures' | 'aborted';
  readonly exitCode: number;
  readonly counts: Readonly<Record<string, number>>;
  /** Saved only for a run that completed. */
  readonly cursor?: string;
  /** The snapshot outputs the run finished (or kept), by label: saved only for a run that completed. */
  readonly outputs?: Readonly<Record<string, KeptOutput>>;
}

export interface RunStateStore {
  /** Where the state is, for messages and the report. */
  readonly location: string;
  /** Runs an item may fail before it is given up (reported, not tried again until it changes). */
  readonly maxAttempts: number;
  /** The fingerprint and cursor the last complete run left, if any. */
  last(): { readonly fingerprint?: string; readonly cursor?: string; readonly runs: number };
  beginRun(start: StateRunStart): number;
  /** The snapshot outputs the last complete run left, by label (empty when it recorded none). */
  lastOutputs(): Readonly<Record<string, KeptOutput>>;
  /** What the state knows of each item, by `itemKey`, read once at the start of a run. */
  memory(): ReadonlyMap<string, ItemMemory>;
  /** The entry an item had when it was last written (for outputs that rebuild the whole catalog). */
  storedEntry(key: string): Entry | undefined;
  /** How far the item got through each step when it was last recorded (undefined: not recorded so). */
  storedStages(key: string): StageStatuses | undefined;
  /**
   * The items recorded (any outcome) by runs that did not complete (killed, aborted) after the last run that
   * did. Those written done were never published by an `append` output; any of them makes the last complete
   * run's snapshots stale. Read at the start of a run, before `beginRun`.
   */
  recordedSinceComplete(): ReadonlySet<string>;
  /** Records how an item ended in this run, as soon as it did (kept across a kill -9 once `flush`ed). */
  record(runId: number, key: string, version: string, entry: Entry, outcome: ItemOutcome, stages?: StageStatuses): ItemMemory['status'];
  /** The stored entries of the items written done (and given up) that are not in `seen`: the rest of a snapshot. */
  rest(seen: ReadonlySet<string>): Iterable<Entry>;
  /** Marks items removed (a reconcile found them gone from the source). */
  markRemoved(runId: number, keys: readonly string[]): void;
  endRun(runId: number, end: StateRunEnd): void;
  flush(): void;
  close(): void;
}

/** The key of an item in the state: `collection/id` (an item without a collection: `/id`). */
export const itemKey = (entry: Entry): string => `${entry.item.collection ?? ''}/${entry.item.id}`;

/** The stats label under which an incremental run counts what the state decided (the report's `state.counts`). */
export const STATE_LABEL = 'state';
