import type { Database, Statement } from 'better-sqlite3';
import type { Entry } from '../entry.js';
import { StateError, stateIoError } from './errors.js';
import type { ItemStatus } from './types.js';

/**
 * When buffered records are committed: every `records` records, or `ms` after the first one waiting,
 * whichever comes first (and on flush). A commit costs a WAL append of the pages touched; grouping ~256
 * records makes it ~1 commit per 2 MB of entries instead of one per entry. What a kill -9 loses is at most
 * the records of one window, which the next run works again (they are not marked done).
 */
export interface WritePolicy {
  readonly records: number;
  readonly ms: number;
}
export const DEFAULT_WRITE_POLICY: WritePolicy = { records: 256, ms: 200 };

/** One record waiting for its commit. */
export interface PendingRecord {
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
  readonly entry: string;
  readonly files: ReadonlyArray<[string, Entry['files'][string]]>;
}

/** Buffers item records and commits them in groups, in one IMMEDIATE transaction each (see WritePolicy). */
export class ItemWriter {
  readonly #pending = new Map<string, PendingRecord>();
  readonly #perRun = new Map<number, { records: number; failed: number }>();
  #timer: NodeJS.Timeout | undefined;
  /** The error of a commit the timer started: nobody was there to catch it, so the next call throws it. */
  #failure: StateError | undefined;
  #committed = 0;
  readonly #commit: () => void;
  readonly #upsertItem: Statement;
  readonly #upsertEntry: Statement;
  readonly #deleteAssets: Statement;
  readonly #insertAsset: Statement;
  readonly #countRun: Statement;
  readonly #markRemoved: (runId: number, keys: readonly string[]) => number;

  constructor(
    db: Database,
    private readonly file: string,
    private readonly policy: WritePolicy,
    private readonly onCommit?: (records: number) => void,
  ) {
    this.#upsertItem = db.prepare(`
      INSERT INTO items (key, collection, id, version, status, attempts, first_run, last_run, failures, stages)
      VALUES (@key, @collection, @id, @version, @status, @attempts, @runId, @runId, @failures, @stages)
      ON CONFLICT (key) DO UPDATE SET collection = excluded.collection, id = excluded.id, version = excluded.version,
        status = excluded.status, attempts = excluded.attempts, last_run = excluded.last_run, failures = excluded.failures,
        stages = excluded.stages
      RETURNING item_no`).pluck();
    this.#upsertEntry = db.prepare('INSERT INTO entries (item_no, entry) VALUES (?, ?) ON CONFLICT (item_no) DO UPDATE SET entry = excluded.entry');
    this.#deleteAssets = db.prepare('DELETE FROM assets WHERE item_no = ?');
    this.#insertAsset = db.prepare('INSERT INTO assets (item_no, asset, path, bytes, etag, checksum, status, href) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.#countRun = db.prepare('UPDATE runs SET records = records + ?, failed_items = failed_items + ? WHERE id = ?');
    const remove = db.prepare(`UPDATE items SET status = 'removed', last_run = ? WHERE key = ? AND status != 'removed'`);
    this.#markRemoved = db.transaction((runId: number, keys: readonly string[]) => keys.reduce((n, key) => n + remove.run(runId, key).changes, 0)).immediate;
    this.#commit = db.transaction(() => {
      for (const record of this.#pending.values()) this.#write(record);
      for (const [runId, counts] of this.#perRun) this.#countRun.run(counts.records, counts.failed, runId);
    }).immediate;
  }

  /** Records committed by this writer so far. */
  get committed(): number {
    return this.#committed;
  }

  /** The record of `key` waiting for its commit, if any (it wins over what the file holds). */
  pending(key: string): PendingRecord | undefined {
    return this.#pending.get(key);
  }

  add(record: PendingRecord): void {
    this.#throwFailure();
    // Re-inserted, so a later record of the same item replaces the earlier one and commits after the others.
    this.#pending.delete(record.key);
    this.#pending.set(record.key, record);
    const counts = this.#perRun.get(record.runId) ?? { records: 0, failed: 0 };
    counts.records += 1;
    if (record.status === 'failed' || record.status === 'given_up') counts.failed += 1;
    this.#perRun.set(record.runId, counts);
    if (this.#pending.size >= this.policy.records) this.flush();
    else this.#timer ??= setTimeout(() => this.#flushFromTimer(), this.policy.ms).unref();
  }

  /** Commits every buffered record now; returns how many. Throws StateError when the disk refuses. */
  flush(): number {
    this.#throwFailure();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const count = this.#pending.size;
    if (count === 0) return 0;
    try {
      this.#commit();
    } catch (err) {
      throw stateIoError(this.file, `record ${count} items`, err);
    }
    this.#pending.clear();
    this.#perRun.clear();
    this.#committed += count;
    this.onCommit?.(count);
    return count;
  }

  /** Marks the items `keys` removed, after what is buffered; returns how many were not already. */
  markRemoved(runId: number, keys: readonly string[]): number {
    this.flush();
    try {
      return this.#markRemoved(runId, keys);
    } catch (err) {
      throw stateIoError(this.file, `mark ${keys.length} items removed`, err);
    }
  }

  #flushFromTimer(): void {
    this.#timer = undefined;
    try {
      this.flush();
    } catch (err) {
      this.#failure = err as StateError;
    }
  }

  #throwFailure(): void {
    if (this.#failure) throw this.#failure;
  }

  #write(record: PendingRecord): void {
    const itemNo = this.#upsertItem.get(record) as number;
    this.#upsertEntry.run(itemNo, record.entry);
    this.#deleteAssets.run(itemNo);
    for (const [asset, file] of record.files) {
      this.#insertAsset.run(itemNo, asset, file.path, file.bytes ?? null, file.etag ?? null, file.checksum ?? null, file.status, file.href ?? null);
    }
  }
}
