import type { StacItem } from '../entry.js';
import type { ItemStatus } from './types.js';
import type { MessagePort } from 'node:worker_threads';

/**
 * What the run's thread and the state's writer thread (write-worker.ts, writer-thread.ts) say to each other.
 * Records go one way as messages; what the writer did comes back through a few shared counters (SIGNAL),
 * readable at any moment without a message, and waited on with Atomics.wait when a call must see the file.
 */

/** One item's record, as the writer commits it (item-writer.ts). */
export interface RecordMessage {
  /** 1, 2, 3… in the order the run recorded them: the writer commits in this order. */
  readonly seq: number;
  readonly runId: number;
  readonly key: string;
  readonly collection: string;
  readonly id: string;
  readonly version: string;
  readonly status: ItemStatus;
  readonly attempts: number;
  readonly failures: string | null;
  /** StageStatuses as JSON. */
  readonly stages: string | null;
  /**
   * The STAC item as JSON text: as its search page brought it, when known (src/util/item-source.ts: decoded
   * in ~2 µs, copied into the message); or, for an item that cannot be cloned, stringified. Else the item
   * itself, structured-cloned (~20 µs for an 8.7 KB Kaguya item: as much as stringifying it), which the
   * writer stringifies.
   */
  readonly item: string | StacItem;
  /** The rest of the entry (fields, files, failures) as JSON, stringified here: small, and it may hold values only this thread's JSON.stringify reads as the store always did. */
  readonly rest: string;
  /** The entry's files: asset, path, bytes, etag, checksum, status, href. */
  readonly files: ReadonlyArray<readonly [string, string, number | null, string | null, string | null, string, string | null]>;
}

/** Records, in the order made (posted in batches: a message has a cost of its own). */
export interface RecordsMessage {
  readonly type: 'records';
  readonly records: readonly RecordMessage[];
}

/** Commit what is received now, then raise FLUSHED to `id`. */
export interface FlushMessage {
  readonly type: 'flush';
  readonly id: number;
}

/** Commit, close the connection, raise FLUSHED to `id`, and end the thread. */
export interface CloseMessage {
  readonly type: 'close';
  readonly id: number;
}

export type ToWriter = RecordsMessage | FlushMessage | CloseMessage;

/** Sent back when a commit failed (the details a StateError needs): read with receiveMessageOnPort. */
export interface WriterFailure {
  readonly type: 'failed';
  /** What the writer was doing: `record 256 items`. */
  readonly doing: string;
  readonly message: string;
  readonly code?: string;
}

/** Sent back after a commit the run did not wait for, so its `onCommit` is called while the run idles. */
export interface WriterCommitted {
  readonly type: 'committed';
}

export type FromWriter = WriterFailure | WriterCommitted;

/** The slots of the shared Int32Array. */
export const SIGNAL = {
  /** The highest `seq` committed (every record up to it is in the file). */
  COMMITTED: 0,
  /** The highest flush or close `id` done. */
  FLUSHED: 1,
  /** 1 once a commit failed: the writer takes no more records. */
  FAILED: 2,
  /** Raised at every message the writer handles and every commit: proof of life for a waiting run. */
  BEAT: 3,
} as const;
export const SIGNAL_SLOTS = 4;

/** What the writer thread is started with (workerData). */
export interface WriterData {
  readonly file: string;
  readonly busyTimeoutMs: number;
  readonly policy: WritePolicy;
  readonly signals: SharedArrayBuffer;
  /** Where WriterFailure and WriterCommitted go. */
  readonly replies: MessagePort;
}

/**
 * When records are committed: every `records` records, or `ms` after the first one waiting, whichever comes
 * first (and on flush). A commit costs a WAL append of the pages touched; grouping ~256 records makes it ~1
 * commit per 2 MB of entries instead of one per entry. What a kill -9 loses is at most the records not yet
 * committed (writer-thread.ts bounds them), which the next run works again (they are not marked done).
 */
export interface WritePolicy {
  readonly records: number;
  readonly ms: number;
}
export const DEFAULT_WRITE_POLICY: WritePolicy = { records: 256, ms: 200 };
