import type { Observable, OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import type { Entry } from '../entry.js';
import type { RunContext } from './context.js';

/**
 * A stage as the registry knows it: its YAML name, its docs, its options schema and its factory.
 * Options reach `create` parsed and defaulted by `schema` (normalised once, then frozen).
 */
interface StageBase<S extends z.ZodType> {
  /** Name as written in YAML (`stac_search`); the file is the kebab-case form (`stac-search.ts`). */
  readonly name: string;
  /** One line for `stacflow stages`. */
  readonly summary: string;
  /** A YAML example of the stage as it stands in a pipeline file (runs in a test). */
  readonly example: string;
  readonly schema: S;
  /**
   * The options (top-level keys) that name a file the stage writes (`path` of an output, of rclone_manifest).
   * A sharded run gives each its shard's own name (src/shard/shard-files.ts); a stage with such an option must
   * list it here (test/shard/shard-files.test.ts checks every registered stage). Per-item templates (download's
   * `to`) are not listed: items are disjoint across shards, and their files shared.
   */
  readonly writesFiles?: readonly string[];
}

/**
 * What `create` gives, at once or as a promise: a stage whose work needs heavy modules (an HTTP client, the
 * PVL grammar, the download engine) imports them in `create` (`await import(...)`), so that loading the
 * registry (`stacflow validate`, `stages`, `schema`, `--help`) loads none of them. The engine awaits every
 * `create` before the first entry flows.
 */
export type Created<T> = T | Promise<T>;

export interface SourceStage<S extends z.ZodType = z.ZodType> extends StageBase<S> {
  readonly kind: 'source';
  /**
   * `offers`: the filters of the steps right after the source, which it may send with its request (the
   * pushdown). A source that takes none ignores them; the steps test every entry either way.
   */
  create(options: z.output<S>, ctx: StageContext, offers?: readonly FilterOffer[]): Created<Observable<Entry>>;
}

export interface StepStage<S extends z.ZodType = z.ZodType, R extends StepCreated = StepCreated> extends StageBase<S> {
  readonly kind: 'step';
  create(options: z.output<S>, ctx: StageContext): Created<R>;
  /**
   * A step that only drops entries, never changes them, has this (`filter`): it gives its condition as CQL2
   * JSON, so that the source before it may ask its server for the same (or undefined: nothing to offer).
   * Steps that change entries do not have it: no offer is made past them.
   */
  offer?(options: z.output<S>): Readonly<Record<string, unknown>> | undefined;
  /**
   * Everything this step does for an entry is kept in the entry (its fields, its files, which stay on disk)
   * or is a pass (a filter): an incremental run's retried item that passed it in an earlier run skips it
   * (its label is not read again). Steps whose work lives elsewhere (rclone_manifest's lists) rerun.
   */
  readonly keepsWorkInEntry?: true;
}

/**
 * A filter a step offers to the source before it (the pushdown): the step's label and its condition as CQL2
 * JSON. The source sends it when its server evaluates it with the same meaning, and says which it sent.
 */
export interface FilterOffer {
  readonly from: string;
  readonly cql2: Readonly<Record<string, unknown>>;
}

/**
 * What a step's `create` gives the engine (operators/README.md): per-entry work, made with `perEntrySync`
 * or `perEntry` (src/engine/step.ts), or a plain RxJS operator. The engine wraps whichever it gets: it counts
 * in/out/failed/dropped, passes entries that failed earlier on untouched, turns a thrown error into a
 * failure of that entry, gives a dropped entry's flow slot back, and raises the run signal's listener limit.
 */
export type StepCreated = Step | OperatorFunction<Entry, Entry>;

export type Step = SyncStep | AsyncStep | OperatorStep;

/** What every kind of step may add to its work. */
export interface StepHooks {
  /** Entries that failed in an earlier stage: passed on without work (`pass`, the default) or dropped. */
  readonly failedEntries?: 'pass' | 'drop';
  /**
   * End-of-run work (rclone_manifest's lists): runs after the stream completed, and its result is listed in
   * the report's `outputs` under the step's label.
   */
  finish?(): Promise<OutputResult>;
  /** Runs instead of `finish` when the run fails. */
  abort?(): Promise<void>;
  /** Runs once the last entry has passed, when the run completed: the place to say what the run showed (`ctx.warn`). */
  end?(): void | Promise<void>;
}

/** A pure step: an entry in, the entry (changed) or `undefined` (dropped) out, at once. */
export interface SyncStep extends StepHooks {
  readonly mode: 'sync';
  readonly work: (entry: Entry) => Entry | undefined;
}

/** An I/O step: up to `concurrency` entries worked on at once; entries leave in the order they came. */
export interface AsyncStep extends StepHooks {
  readonly mode: 'async';
  readonly work: (entry: Entry) => Promise<Entry | undefined>;
  readonly concurrency: number;
  /** Listeners the step may hold on the run's signal at once (default: 2 a concurrent entry). */
  readonly signalListeners?: number;
}

/**
 * A plain RxJS operator, applied by the engine to each entry on its own (`of(entry).pipe(operator)`): it may
 * map, filter (emitting nothing drops the entry) or emit several entries for one. It sees one entry at a
 * time, so operators that hold state across entries (bufferCount, distinct) do not apply here.
 */
export interface OperatorStep extends StepHooks {
  readonly mode: 'operator';
  readonly operator: OperatorFunction<Entry, Entry>;
}

/** Writes a catalog. `write` is called in stream order; `finish` makes the result visible (atomic rename). */
export interface OutputSink {
  /**
   * In an incremental run (`state:`): `snapshot` (the default) gets every item of the catalog, also those the
   * state carried past the steps unchanged, so the output is the whole catalog; `append` gets only the items
   * worked in this run (new, changed, retried).
   */
  readonly mode?: 'snapshot' | 'append';
  /**
   * The regular file the output replaces when it finishes (absolute), if it writes one (not standard output or
   * a FIFO): an incremental run that changed nothing keeps it as the last complete run wrote it (incremental.ts).
   */
  readonly target?: string;
  write(entry: Entry): void | Promise<void>;
  finish(): Promise<OutputResult>;
  /** The run failed: remove temporary files, leave any earlier complete output in place. */
  abort(): Promise<void>;
}

export interface OutputResult {
  path: string;
  rows: number;
  [extra: string]: unknown;
}

export interface OutputStage<S extends z.ZodType = z.ZodType> extends StageBase<S> {
  readonly kind: 'output';
  create(options: z.output<S>, ctx: StageContext): Created<OutputSink>;
}

export type Stage = SourceStage | StepStage | OutputStage;
export type StageKind = Stage['kind'];

/**
 * What a source gets for an incremental run (a pipeline with `state:`, issue 12): the cursor the last complete
 * run left, and a way to propose the next one. A source that can ask its server for what changed since the
 * cursor does (stac_search: `updated` ≥ cursor − lookback); one that cannot reads everything, and the state
 * skips what is done.
 */
export interface IncrementalRun {
  /** The cursor saved by the last complete run (an ISO instant of the items' `updated`), undefined on a first run, with --full-refresh or --reconcile. */
  readonly cursor?: string;
  /** The cursor for the next run; the engine saves the last value given only when this run completes. */
  setNextCursor(value: string): void;
}

/** The run context seen by one stage instance: `label` names it in logs, stats and failures (`filter#2`). */
export interface StageContext extends RunContext {
  readonly label: string;
  /** Set for the source of a pipeline with `state:` (incremental runs); undefined otherwise. */
  readonly incremental?: IncrementalRun;
  /**
   * Drops `entry` on purpose (a filter that said no): returns `undefined`, what the work then returns. The
   * engine counts the drop and frees the entry's flow slot; `reason` goes to the debug log.
   */
  drop(entry: Entry, reason: string): undefined;
  /**
   * Records `err` as a failure of `entry` in this stage and returns the entry with it, for work that goes on
   * (a download with one asset failed and others written). Throwing from the work does the same. A fatal
   * error or a bug is thrown on (the run ends).
   */
  fail(entry: Entry, err: unknown): Entry;
  /**
   * Says something the user must hear though no item failed (a field no entry ever had): a warning in the log
   * and in the run report's `warnings`, under this stage's label. `code` is stable (W_...).
   */
  warn(code: string, message: string, details?: Record<string, unknown>): void;
}
