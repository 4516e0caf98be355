import type { Database } from 'better-sqlite3';
import type { Entry } from '../entry.js';
import { nextItemState } from './attempts.js';
import { StateError, stateIoError } from './errors.js';
import { ItemReader } from './item-reader.js';
import { DEFAULT_WRITE_POLICY, type WritePolicy } from './write-messages.js';
import { openDatabase } from './open-database.js';
import { RunHistory } from './run-history.js';
import { DEFAULT_STALE_AFTER_MS, RunLock, type LockHolder, type LockResult } from './run-lock.js';
import { prepareStatePath } from './state-path.js';
import type { ItemMemory, ItemNeedingAttention, ItemOutcome, ItemStatus, KeptOutput, RunEnd, RunRecord, RunStart, StageStatuses } from './types.js';
import { WriterThread } from './writer-thread.js';

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export interface StateOptions {
  /** The pipeline's folder: folders between it and the state file must be real folders inside it (state-path.ts). */
  readonly root?: string;
  /** Runs in a row an item may fail before it is given up. */
  readonly maxAttempts?: number;
  readonly write?: WritePolicy;
  readonly busyTimeoutMs?: number;
  /** For `stacflow status`: reads only; the file must exist. */
  readonly readOnly?: boolean;
  readonly lockStaleAfterMs?: number;
  /** Called after each commit with the number of records it made durable. */
  readonly onCommit?: (records: number) => void;
}

/**
 * Opens (creating when missing) the state at `file`; see README.md. Throws StateError (run-fatal, the file
 * named) for a path through a symbolic link, a file that is not a stacflow state, or one from a newer stacflow.
 */
export async function openStateStore(file: string, options: StateOptions = {}): Promise<StateStore> {
  const place = await prepareStatePath(file, options.root);
  const db = openDatabase(place.file, { busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, readOnly: options.readOnly ?? false });
  return new StateStore(db, place.file, options);
}

/**
 * The incremental state of a pipeline's runs (SQLite, one connection, synchronous: better-sqlite3). Answers
 * the engine's contract (src/engine/run-state.ts RunStateStore) and `stacflow status`. Records are committed
 * in groups by a writer thread with its own connection (writer-thread.ts), off the run's thread; every read of
 * an item sees its record not yet committed first, and the calls that end something or read many items
 * (endRun, markRemoved, rest, memory, close) wait until every record made is committed before they act.
 */
export class StateStore {
  readonly maxAttempts: number;
  readonly #db: Database;
  readonly #reader: ItemReader;
  readonly #writer: WriterThread | undefined;
  readonly #markRemoved: ((runId: number, keys: readonly string[]) => number) | undefined;
  readonly #runs: RunHistory;
  readonly #lock: RunLock;
  #closed = false;

  constructor(db: Database, readonly location: string, options: StateOptions = {}) {
    this.#db = db;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.#reader = new ItemReader(db);
    this.#runs = new RunHistory(db);
    this.#lock = new RunLock(db, options.lockStaleAfterMs ?? DEFAULT_STALE_AFTER_MS);
    if (!db.readonly) {
      const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
      this.#writer = new WriterThread(location, busyTimeoutMs, options.write ?? DEFAULT_WRITE_POLICY, options.onCommit);
      const remove = db.prepare(`UPDATE items SET status = 'removed', last_run = ? WHERE key = ? AND status != 'removed'`);
      this.#markRemoved = db.transaction((runId: number, keys: readonly string[]) => keys.reduce((n, key) => n + remove.run(runId, key).changes, 0)).immediate;
    }
  }

  /** Runs a write, naming the file when the disk refuses it. */
  #write<T>(doing: string, act: () => T): T {
    try {
      return act();
    } catch (err) {
      if (err instanceof StateError) throw err;
      throw stateIoError(this.location, doing, err);
    }
  }

  /** The writer; a store opened read-only has none. */
  get #items(): WriterThread {
    if (!this.#writer) throw this.#readOnly();
    return this.#writer;
  }

  #readOnly(): StateError {
    return new StateError('ERR_STATE_READ_ONLY', this.location, 'was opened read-only (for status): it cannot be written');
  }

  // --- the engine's contract (RunStateStore) ---

  last(): { fingerprint?: string; cursor?: string; runs: number } {
    return this.#runs.last();
  }

  beginRun(start: RunStart): number {
    return this.#write('begin a run', () => this.#runs.begin(start));
  }

  /** The snapshot outputs the last complete run left, by label. */
  lastOutputs(): Record<string, KeptOutput> {
    return this.#runs.lastOutputs();
  }

  /** What the state knows of every item, by key, read once (the small `items` rows only). */
  memory(): ReadonlyMap<string, ItemMemory> {
    this.flush();
    return this.#reader.memory();
  }

  /** What the state knows of one item (its buffered record first). */
  lookup(key: string): ItemMemory | undefined {
    const pending = this.#writer?.pending(key);
    return pending ? { version: pending.version, status: pending.status, attempts: pending.attempts } : this.#reader.lookup(key);
  }

  storedEntry(key: string): Entry | undefined {
    const pending = this.#writer?.pending(key)?.entry;
    // A copy as the file would give it back (the caller may build on it; the recorded one stays as it was).
    const json = pending ? JSON.stringify(pending) : this.#reader.entryJson(key);
    return json === undefined ? undefined : (JSON.parse(json) as Entry);
  }

  /** How far item `key` got through each step when last recorded (its buffered record first). */
  storedStages(key: string): StageStatuses | undefined {
    const pending = this.#writer?.pending(key);
    if (pending) return pending.stages === undefined ? undefined : { ...pending.stages };
    return this.#reader.stages(key);
  }

  /** The items recorded by runs after the last one that completed (their outputs were never put in place). */
  recordedSinceComplete(): ReadonlySet<string> {
    this.flush();
    return this.#reader.recordedSinceComplete();
  }

  /**
   * Records how item `key` ended in run `runId` at `version`; returns the status it now has (`given_up` when
   * this failure is its max_attempts-th in a row). Durable at the next commit (WritePolicy, or flush()).
   */
  record(runId: number, key: string, version: string, entry: Entry, outcome: ItemOutcome, stages?: StageStatuses): ItemStatus {
    // Only a failure depends on what came before (its count in a row): done and dropped need no read.
    const before = outcome === 'failed' ? this.lookup(key) : undefined;
    const { status, attempts } = nextItemState(before, version, outcome, this.maxAttempts);
    this.#items.add({ runId, key, version, status, attempts, stages, entry });
    return status;
  }

  /** The stored entries of done and given-up items not in `seen`, in key order, streamed a page at a time. */
  *rest(seen: ReadonlySet<string>): Generator<Entry> {
    this.flush();
    yield* this.#reader.rest(seen);
  }

  /** Marks the items `keys` removed (gone from the source); returns how many were not already. */
  markRemoved(runId: number, keys: readonly string[]): number {
    this.#items.flush();
    return this.#write(`mark ${keys.length} items removed`, () => this.#markRemoved!(runId, keys));
  }

  endRun(runId: number, end: RunEnd): void {
    this.flush();
    this.#write(`end run ${runId}`, () => this.#runs.end(runId, end));
  }

  /** Commits the records not yet committed now, waiting for the writer thread; returns how many. */
  flush(): number {
    return this.#writer?.flush() ?? 0;
  }

  /** Commits what is not yet (the writer thread ends), releases the run lock if held, closes the file. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#writer?.close();
    } finally {
      try {
        // A lock left by a failed release is stale once this process ends: the next run takes it over.
        if (this.#writer) this.#lock.release();
      } catch {
        // (the writer's error, if any, is the one to report)
      } finally {
        this.#db.close();
      }
    }
  }

  // --- the run lock ---

  /** Takes the run lock (see run-lock.ts): refused while a live process holds it; taken over from a dead one. */
  acquireLock(): LockResult {
    if (!this.#writer) throw this.#readOnly();
    return this.#write('take the run lock', () => this.#lock.acquire());
  }

  releaseLock(): boolean {
    return this.#write('release the run lock', () => this.#lock.release());
  }

  lockHolder(): LockHolder | undefined {
    return this.#lock.holder();
  }

  // --- for `stacflow status` ---

  /** The cursor the last complete run left. */
  cursor(): string | undefined {
    return this.#runs.last().cursor;
  }

  recentRuns(limit = 10): RunRecord[] {
    return this.#runs.recent(limit);
  }

  needingAttention(limit = 100): ItemNeedingAttention[] {
    this.flush();
    return this.#reader.needingAttention(limit);
  }

  /** Items by status; `failed` ones are pending: the next run works them again. */
  itemCounts(): Record<ItemStatus, number> {
    this.flush();
    return this.#reader.counts();
  }

  /** Records committed by this store so far. */
  get committed(): number {
    return this.#writer?.committed ?? 0;
  }
}
