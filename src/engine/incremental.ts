import { createHash } from 'node:crypto';
import { Observable, Subject, type OperatorFunction } from 'rxjs';
import { hasFailed, type Entry, type StacItem } from '../entry.js';
import type { Logger } from 'pino';
import type { Demand } from './demand.js';
import { itemKey, STATE_LABEL, type ItemMemory, type ItemOutcome, type RunStateStore } from './run-state.js';
import type { IncrementalRun } from './stage.js';
import type { RunStats } from './stats.js';

/** Why an entry is not worked again: unchanged since it was done, or given up after max_attempts failures. */
export type CarriedReason = 'unchanged' | 'given_up';

export interface IncrementalOptions {
  readonly fullRefresh: boolean;
  readonly reconcile: boolean;
}

/**
 * One incremental run (a pipeline with `state:`; DESIGN.md "The stream": the engine skips entries already done
 * and records each one as it completes). After the source, `gate` decides per item, by the version it has now
 * (its `updated`, else a hash of it) against what the state remembers:
 *
 * - new, changed, failed before (fewer than max_attempts runs in a row), removed and back: worked;
 * - unchanged since it was written done: carried past the steps (no label read, no HEAD, no download) to the
 *   outputs that rebuild the whole catalog (`mode: snapshot`), as the state stored it;
 * - failed max_attempts times and unchanged: given up, carried the same way and listed in the report;
 * - unchanged since a filter dropped it: dropped again without work;
 * - seen twice in this run (pages shifting during ingests): the second is dropped.
 *
 * Every worked item is recorded as soon as it ends (written by the outputs, or dropped); a killed run keeps
 * what it finished. At the end, a snapshot output gets the stored entries of the done items this run did not
 * see (a search that asked only for what changed since the cursor), and `--reconcile` (a full search) marks
 * the items it did not see as removed.
 */
export class IncrementalRunner {
  readonly runId: number;
  readonly incremental: IncrementalRun;
  readonly #memory: ReadonlyMap<string, ItemMemory>;
  readonly #versions = new WeakMap<StacItem, string>();
  readonly #carried = new WeakMap<Entry, CarriedReason>();
  readonly #seen = new Set<string>();
  /** The version an item had when the state last wrote it, read when the state says the pipeline is unchanged. */
  readonly #trustMemory: boolean;
  #nextCursor: string | undefined;
  readonly givenUp: Entry[] = [];

  constructor(
    private readonly store: RunStateStore,
    private readonly options: IncrementalOptions,
    private readonly run: { readonly log: Logger; readonly stats: RunStats; readonly demand: Demand; readonly fingerprint: string },
  ) {
    const last = store.last();
    const changedPipeline = last.fingerprint !== undefined && last.fingerprint !== run.fingerprint;
    if (changedPipeline && !options.fullRefresh) {
      run.log.warn({ state: store.location }, `state: the pipeline's source or steps changed since the last run: every item is worked again (as with --full-refresh)`);
    }
    this.#trustMemory = !options.fullRefresh && !changedPipeline;
    this.#memory = this.#trustMemory ? store.memory() : new Map();
    this.runId = store.beginRun({ startedAt: new Date().toISOString(), fingerprint: run.fingerprint, fullRefresh: options.fullRefresh, reconcile: options.reconcile });
    const cursor = this.#trustMemory && !options.reconcile ? this.#sourceCursor(last.cursor) : undefined;
    this.incremental = {
      ...(cursor !== undefined ? { cursor } : {}),
      setNextCursor: (value) => {
        this.#nextCursor = value;
      },
    };
    run.log.info(
      { state: store.location, run: this.runId, items: this.#memory.size, cursor },
      `state: run ${this.runId}, ${this.#memory.size} items known${cursor ? `, changes since ${cursor}` : ''}${options.fullRefresh ? ' (--full-refresh: all worked again)' : ''}${options.reconcile ? ' (--reconcile)' : ''}`,
    );
  }

  /** Why `entry` was carried past the steps, or undefined for an entry worked in this run. */
  carriedReason(entry: Entry): CarriedReason | undefined {
    return this.#carried.get(entry);
  }

  /**
   * After the source: worked entries go on to the steps; carried ones are emitted on `carried$`, which the
   * engine merges back before the outputs (they keep their flow slot until written).
   */
  gate(carried$: Subject<Entry>): OperatorFunction<Entry, Entry> {
    return (source) =>
      new Observable<Entry>((subscriber) =>
        source.subscribe({
          next: (entry) => {
            const decided = this.#decide(entry);
            if (decided === 'work') subscriber.next(entry);
            else if (decided !== 'skip') carried$.next(decided);
          },
          error: (err: unknown) => {
            subscriber.error(err);
            carried$.error(err);
          },
          complete: () => {
            subscriber.complete();
            carried$.complete();
          },
        }),
      );
  }

  #decide(entry: Entry): 'work' | 'skip' | Entry {
    const key = itemKey(entry);
    const version = versionOf(entry.item);
    this.#versions.set(entry.item, version);
    const { stats, demand } = this.run;
    if (this.#seen.has(key)) {
      stats.count(STATE_LABEL, 'duplicates');
      demand.release();
      return 'skip';
    }
    this.#seen.add(key);
    const known = this.#memory.get(key);
    if (known === undefined || known.status === 'removed') {
      stats.count(STATE_LABEL, known ? 'back' : 'new');
      return 'work';
    }
    if (known.version !== version) {
      stats.count(STATE_LABEL, 'changed');
      return 'work';
    }
    if (known.status === 'dropped') {
      stats.count(STATE_LABEL, 'unchanged_dropped');
      demand.release();
      return 'skip';
    }
    if (known.status === 'failed' && known.attempts < this.store.maxAttempts) {
      stats.count(STATE_LABEL, 'retried');
      return 'work';
    }
    const reason: CarriedReason = known.status === 'done' ? 'unchanged' : 'given_up';
    const stored = this.store.storedEntry(key) ?? entry;
    this.#carried.set(stored, reason);
    stats.count(STATE_LABEL, reason);
    if (reason === 'given_up') this.givenUp.push(stored);
    return stored;
  }

  /** An entry worked in this run reached the outputs (done or failed) or was dropped: recorded at once. */
  settled(entry: Entry, outcome?: ItemOutcome): void {
    if (this.#carried.has(entry)) return;
    const version = this.#versions.get(entry.item) ?? versionOf(entry.item);
    const ended = outcome ?? (hasFailed(entry) ? 'failed' : 'done');
    const status = this.store.record(this.runId, itemKey(entry), version, storable(entry), ended === 'dropped' && hasFailed(entry) ? 'failed' : ended);
    this.run.stats.count(STATE_LABEL, `recorded_${status}`);
    if (status === 'given_up') this.givenUp.push(entry);
  }

  /** The entries a snapshot output holds besides this run's: the state's done items this run did not see. */
  rest(): Iterable<Entry> {
    // A full search (first run, --full-refresh, --reconcile, a changed pipeline) saw every item there is.
    if (!this.#trustMemory || this.options.reconcile) return [];
    const rest = this.store.rest(this.#seen);
    const carried = this.#carried;
    const stats = this.run.stats;
    return (function* () {
      for (const entry of rest) {
        carried.set(entry, 'unchanged');
        stats.count(STATE_LABEL, 'rest');
        yield entry;
      }
    })();
  }

  /** After a complete run: with --reconcile, the items the full search did not return are marked removed. */
  reconcile(): number {
    if (!this.options.reconcile) return 0;
    const gone = [...this.store.memory()].filter(([key, m]) => m.status !== 'removed' && !this.#seen.has(key)).map(([key]) => key);
    this.store.markRemoved(this.runId, gone);
    this.run.stats.count(STATE_LABEL, 'removed', gone.length);
    if (gone.length > 0) this.run.log.info({ removed: gone.length }, `state: ${gone.length} items no longer returned by the source, marked removed`);
    return gone.length;
  }

  /** The cursor to save: only for a complete run (the engine passes undefined otherwise). */
  get nextCursor(): string | undefined {
    return this.#nextCursor;
  }

  /**
   * The cursor the source searches from: the last run's, moved back to the oldest failed item still to retry,
   * so that a search asking only for changes since the cursor still returns it.
   */
  #sourceCursor(last: string | undefined): string | undefined {
    if (last === undefined) return undefined;
    let cursor = last;
    for (const memory of this.#memory.values()) {
      if (memory.status === 'failed' && memory.attempts < this.store.maxAttempts && isInstant(memory.version) && Date.parse(memory.version) < Date.parse(cursor)) cursor = memory.version;
    }
    return cursor;
  }
}

/**
 * The entry as the state keeps it: without the label documents (`fetch_label`'s `as`: a parsed caminfo label
 * is ~10 KB of JSON an item, most of the state's size and of the cost of recording). The selected values stay,
 * so a snapshot's carried rows have them; a column that names a label path directly is empty for those rows.
 */
function storable(entry: Entry): Entry {
  if (!Object.values(entry.fields).some(isDocument)) return entry;
  return { ...entry, fields: Object.fromEntries(Object.entries(entry.fields).filter(([, value]) => !isDocument(value))) };
}

/** A document that answers path queries itself (a parsed PVL label): see src/fields/field-path.ts. */
const isDocument = (value: unknown): boolean =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Map) && typeof (value as { get?: unknown }).get === 'function';

/** An item's version: its `updated` (stac-server stamps it on every ingest), else a hash of the item. */
export function versionOf(item: StacItem): string {
  const updated = item.properties?.updated;
  if (typeof updated === 'string' && updated !== '') return updated;
  return `sha256:${createHash('sha256').update(JSON.stringify(item)).digest('hex').slice(0, 32)}`;
}

const isInstant = (text: string): boolean => !text.startsWith('sha256:') && Number.isFinite(Date.parse(text));
