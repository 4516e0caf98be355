import { createHash } from 'node:crypto';
import { Observable, Subject, type OperatorFunction } from 'rxjs';
import { hasFailed, type Entry, type StacItem } from '../entry.js';
import type { Logger } from 'pino';
import type { Demand } from './demand.js';
import { itemKey, STATE_LABEL, type ItemMemory, type ItemOutcome, type KeptOutput, type RunStateStore, type StageStatus, type StageStatuses } from './run-state.js';
import { keptFields, storable } from './kept-documents.js';
import type { IncrementalRun } from './stage.js';
import type { RunStats } from './stats.js';

/** Why an entry is not worked again: unchanged since it was done, or given up after max_attempts failures. */
export type CarriedReason = 'unchanged' | 'given_up';

export interface IncrementalOptions {
  readonly fullRefresh: boolean;
  readonly reconcile: boolean;
}

/** A step of the pipeline as the runner records an item's way through it. */
export interface RecordedStep {
  readonly label: string;
  /** StepStage.keepsWorkInEntry: a retried item that passed it skips it. */
  readonly keepsWorkInEntry: boolean;
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
 * Every worked item is recorded as soon as it ends (written by the outputs, or dropped), with how far it got
 * through each step; a killed run keeps what it finished. At the end, a snapshot output gets the stored
 * entries of the done items this run did not see (a search that asked only for what changed since the
 * cursor), and `--reconcile` (a full search) marks the items it did not see as removed. An `append` output
 * gets, besides the worked items, those a killed or aborted run recorded done but never published.
 */
export class IncrementalRunner {
  readonly runId: number;
  readonly incremental: IncrementalRun;
  readonly #memory: ReadonlyMap<string, ItemMemory>;
  readonly #versions = new WeakMap<StacItem, string>();
  readonly #carried = new WeakMap<Entry, CarriedReason>();
  /** Retried entries and the steps they skip (passed in an earlier run, their work kept in the entry). */
  readonly #resumedPast = new WeakMap<Entry, ReadonlySet<string>>();
  readonly #seen = new Set<string>();
  /** Items done by runs that never completed: no append output has them yet. */
  readonly #unpublished: ReadonlySet<string>;
  /** Items recorded by runs that never completed: the last complete run's snapshots do not show them. */
  readonly #recordedSinceComplete: number;
  /** Entries this run sent to the steps (new, changed, retried, back). */
  #worked = 0;
  /** The version an item had when the state last wrote it, read when the state says the pipeline is unchanged. */
  readonly #trustMemory: boolean;
  #nextCursor: string | undefined;
  readonly givenUp: Entry[] = [];

  constructor(
    private readonly store: RunStateStore,
    private readonly options: IncrementalOptions,
    private readonly run: { readonly log: Logger; readonly stats: RunStats; readonly demand: Demand; readonly fingerprint: string; readonly steps: readonly RecordedStep[] },
  ) {
    const last = store.last();
    const changedPipeline = last.fingerprint !== undefined && last.fingerprint !== run.fingerprint;
    if (changedPipeline && !options.fullRefresh) {
      run.log.warn({ state: store.location }, `state: the pipeline's source or steps changed since the last run: every item is worked again (as with --full-refresh)`);
    }
    this.#trustMemory = !options.fullRefresh && !changedPipeline;
    this.#memory = this.#trustMemory ? store.memory() : new Map();
    // Before this run begins: afterwards it is itself a run that has not completed.
    const recorded = this.#trustMemory ? store.recordedSinceComplete() : new Set<string>();
    this.#recordedSinceComplete = recorded.size;
    this.#unpublished = new Set([...recorded].filter((key) => ['done', 'given_up'].includes(this.#memory.get(key)?.status ?? '')));
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
   * Whether an `append` output gets `entry`: every worked one, and a carried one that a run which never
   * completed recorded done (that run's append outputs were never put in place).
   */
  appends(entry: Entry): boolean {
    if (!this.#carried.has(entry)) return true;
    const unpublished = this.#unpublished.has(itemKey(entry));
    if (unpublished) this.run.stats.count(STATE_LABEL, 'unpublished');
    return unpublished;
  }

  /** Whether step `label` passes `entry` on without work: a retried item that passed it in an earlier run. */
  resumedPast(label: string): (entry: Entry) => boolean {
    return (entry) => this.#resumedPast.get(entry)?.has(label) ?? false;
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
            if (decided === 'skip') return;
            if (decided !== 'work' && this.#carried.has(decided)) {
              carried$.next(decided);
              return;
            }
            this.#worked += 1;
            subscriber.next(decided === 'work' ? entry : decided);
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

  /** 'work': the entry goes to the steps; an entry: carried to the outputs, or a retry resumed (to the steps). */
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
      return this.#resumed(key, entry);
    }
    const reason: CarriedReason = known.status === 'done' ? 'unchanged' : 'given_up';
    const stored = this.store.storedEntry(key) ?? entry;
    this.#carried.set(stored, reason);
    stats.count(STATE_LABEL, reason);
    if (reason === 'given_up') this.givenUp.push(stored);
    return stored;
  }

  /**
   * A retried item goes on from its stored entry (without its failures and failed files) past the steps it
   * passed whose work that entry keeps; from its first step when there are none, or nothing was stored.
   */
  #resumed(key: string, entry: Entry): 'work' | Entry {
    const stages = this.store.storedStages(key);
    if (stages === undefined) return 'work';
    const past = new Set(this.run.steps.filter((step) => step.keepsWorkInEntry && stages[step.label] === 'done').map((step) => step.label));
    const stored = past.size > 0 ? this.store.storedEntry(key) : undefined;
    if (stored === undefined) return 'work';
    const files = Object.fromEntries(Object.entries(stored.files).filter(([, file]) => file.status !== 'failed'));
    // The item as the source gave it now (same version); what the steps made of it as stored.
    const resumed: Entry = { item: entry.item, fields: keptFields(stored.fields), files, failures: [] };
    this.#versions.set(resumed.item, this.#versions.get(entry.item) ?? versionOf(entry.item));
    this.#resumedPast.set(resumed, past);
    this.run.stats.count(STATE_LABEL, 'resumed');
    this.run.log.debug({ item: entry.item.id, past: [...past] }, `state: ${entry.item.id} retried past ${[...past].join(', ')}`);
    return resumed;
  }

  /** How far `entry` got through each step: up to its first failure, or the step that dropped it. */
  #stages(entry: Entry, droppedAt: string | undefined): StageStatuses {
    const failedAt = entry.failures[0]?.stage;
    const stopAt = failedAt ?? droppedAt;
    const stages: Record<string, StageStatus> = {};
    let reached = true;
    for (const { label } of this.run.steps) {
      if (!reached) {
        stages[label] = 'not_reached';
      } else if (label === stopAt) {
        stages[label] = failedAt !== undefined ? 'failed' : 'dropped';
        reached = false;
      } else {
        stages[label] = 'done';
      }
    }
    return stages;
  }

  /**
   * An entry worked in this run reached the outputs (done or failed) or was dropped by step `droppedAt`:
   * recorded at once, with how far it got through each step.
   */
  settled(entry: Entry, outcome?: ItemOutcome, droppedAt?: string): void {
    if (this.#carried.has(entry)) return;
    const version = this.#versions.get(entry.item) ?? versionOf(entry.item);
    const ended = outcome ?? (hasFailed(entry) ? 'failed' : 'done');
    const recorded = ended === 'dropped' && hasFailed(entry) ? 'failed' : ended;
    const status = this.store.record(this.runId, itemKey(entry), version, storable(entry, recorded), recorded, this.#stages(entry, droppedAt));
    this.run.stats.count(STATE_LABEL, `recorded_${status}`);
    if (status === 'given_up') this.givenUp.push(entry);
  }

  /**
   * The entries the outputs hold besides this run's: the state's done items this run did not see, for a
   * snapshot output (`wholeCatalog`); else only those of them no append output published yet.
   */
  rest(wholeCatalog: boolean): Iterable<Entry> {
    // A full search (first run, --full-refresh, --reconcile, a changed pipeline) saw every item there is.
    if (!this.#trustMemory || this.options.reconcile) return [];
    const seen = this.#seen;
    const store = this.store;
    const unpublished = [...this.#unpublished].filter((key) => !seen.has(key));
    const rest = wholeCatalog ? store.rest(seen) : (function* () {
      for (const key of unpublished) {
        const entry = store.storedEntry(key);
        if (entry) yield entry;
      }
    })();
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

  /**
   * Whether this run changed nothing its snapshot outputs show: it trusted the state, searched for changes
   * (no --reconcile), worked no entry, and no run after the last complete one recorded anything. The last
   * complete run's snapshot files then hold exactly what this run would write (run.ts keeps them).
   */
  changedNothing(): boolean {
    return this.#trustMemory && !this.options.reconcile && this.#worked === 0 && this.#recordedSinceComplete === 0;
  }

  /** The snapshot outputs kept as the last complete run left them (kept-outputs.ts): counted and said. */
  keptOutputs(kept: ReadonlyMap<string, KeptOutput>): void {
    this.run.stats.count(STATE_LABEL, 'outputs_kept', kept.size);
    const paths = [...kept.values()].map((k) => k.path);
    this.run.log.info({ outputs: paths }, `state: nothing changed since the last complete run: ${paths.join(', ')} kept as ${paths.length === 1 ? 'it is' : 'they are'}`);
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

/** An item's version: its `updated` (stac-server stamps it on every ingest), else a hash of the item. */
export function versionOf(item: StacItem): string {
  const updated = item.properties?.updated;
  if (typeof updated === 'string' && updated !== '') return updated;
  return `sha256:${createHash('sha256').update(JSON.stringify(item)).digest('hex').slice(0, 32)}`;
}

const isInstant = (text: string): boolean => !text.startsWith('sha256:') && Number.isFinite(Date.parse(text));
