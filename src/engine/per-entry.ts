import { getMaxListeners, setMaxListeners } from 'node:events';
import { concatMap, Observable, of, tap, type OperatorFunction } from 'rxjs';
import { hasFailed, withFailure, type Entry, type Failure } from '../entry.js';
import { EntryError, errorClass, errorCode, errorMessage } from '../errors.js';
import type { RunContext } from './context.js';
import { orderedMergeMap } from './ordered-merge-map.js';
import type { AsyncStep, OperatorStep, StageContext, Step, StepCreated, SyncStep } from './stage.js';

/**
 * The entry protocol, kept here once for every step (operators/README.md): a step's work sees only entries
 * that have not failed; what it returns, throws or drops is counted under its label; an error of the item
 * class becomes a Failure on that entry and the run goes on, a fatal error or a bug ends the run; a dropped
 * entry gives its flow slot back (Demand), so no step can stall a run by filtering.
 */

/** The stage context the engine gives one stage instance: the run's, plus its label, `drop` and `fail`. */
export function stageContext(run: RunContext, label: string): StageContext {
  const ctx: StageContext = {
    ...run,
    label,
    drop: (entry, reason) => {
      ctx.log.debug({ stage: label, item: entry.item.id, reason }, `${label}: dropped ${entry.item.id}: ${reason}`);
      return undefined;
    },
    fail: (entry, err) => failEntry(ctx, entry, err),
    warn: (code, message, details = {}) => {
      ctx.stats.warn({ stage: label, code, message, ...details });
      ctx.log.warn({ stage: label, code, ...details }, `${label}: ${message}`);
    },
  };
  return ctx;
}

/** A source's entries, counted as they leave it (each took a flow slot first: see demand.ts). */
export function countedSource(source$: Observable<Entry>, ctx: StageContext): Observable<Entry> {
  return source$.pipe(tap(() => ctx.stats.passed(ctx.label)));
}

/**
 * A step's `create` result as an operator with the entry protocol around it. `resumedPast`: an entry of an
 * incremental run's retried item that passed this step in an earlier run (incremental.ts): passed on without work.
 */
export function stepOperator(created: StepCreated, ctx: StageContext, resumedPast?: (entry: Entry) => boolean): OperatorFunction<Entry, Entry> {
  const step: Step = typeof created === 'function' ? { mode: 'operator', operator: created } : created;
  switch (step.mode) {
    case 'sync':
      return syncOperator(step, ctx, resumedPast);
    case 'async':
      return asyncOperator(step, ctx, resumedPast);
    case 'operator':
      return perEntryOperator(step, ctx, resumedPast);
  }
}

/**
 * Record `err` as a failure of `entry` in this stage: on the entry, in the stats and in the log. A fatal
 * error or a bug is thrown on instead (the run ends); once the run is aborted, the entry is returned as it
 * was: its work was cancelled, it did not fail.
 */
export function failEntry(ctx: StageContext, entry: Entry, err: unknown): Entry {
  const kind = errorClass(err);
  if (kind === 'fatal' || kind === 'bug') throw err;
  if (ctx.signal.aborted) return entry;
  const failure: Failure = { stage: ctx.label, code: errorCode(err), message: errorMessage(err) };
  if (err instanceof EntryError) {
    if (err.href !== undefined) failure.href = err.href;
    if (err.status !== undefined) failure.status = err.status;
  }
  ctx.stats.failed(ctx.label, { ...failure, item: entry.item.id, collection: entry.item.collection });
  ctx.log.warn({ item: entry.item.id, ...failure }, `${entry.item.id}: ${failure.message}`);
  ctx.streaks?.failed(ctx.label, failure, entry.item.id); // the n-th in a row with this code ends the run
  return withFailure(entry, failure);
}

const DROPPED_BY_WORK = 'its work returned nothing';

/** The bookkeeping of one stage, shared by the three kinds of step. */
class Protocol {
  constructor(
    private readonly ctx: StageContext,
    private readonly failedEntries: 'pass' | 'drop',
    private readonly resumedPast?: (entry: Entry) => boolean,
  ) {}

  /** Counts the entry in; `false` when it gets no work: it failed earlier, or a retry resumes past this step. */
  admit(entry: Entry): boolean {
    this.ctx.stats.entered(this.ctx.label);
    return !hasFailed(entry) && !(this.resumedPast?.(entry) ?? false);
  }

  /** What leaves for an entry that gets no work: passed on (or dropped, failed earlier where failed entries are). */
  withoutWork(entry: Entry): Entry | undefined {
    if (!hasFailed(entry)) {
      this.ctx.stats.count(this.ctx.label, 'resumed_past');
    } else if (this.failedEntries === 'drop') {
      return this.dropped(entry, 'failed in an earlier stage');
    }
    this.ctx.stats.passed(this.ctx.label);
    return entry;
  }

  /** What the work gave for `entry`: counted as passed, failed (it recorded failures) or dropped. */
  result(entry: Entry, out: Entry | undefined): Entry | undefined {
    if (out === undefined) return this.dropped(entry, DROPPED_BY_WORK); // ctx.drop logged its reason
    // Work may record failures itself (ctx.fail) and still return the entry (a download with one asset
    // failed and others written): counted as failed then, as when it throws, not as passed.
    if (out.failures.length === entry.failures.length) {
      this.ctx.stats.passed(this.ctx.label);
      this.ctx.streaks?.ended(this.ctx.label);
    } else if (this.failedEntries === 'drop') return this.dropped(out, 'failed in this stage');
    return out;
  }

  /** The work threw for `entry`: a failure of the entry (or, fatal or a bug, thrown on). */
  thrown(entry: Entry, err: unknown): Entry | undefined {
    const failed = failEntry(this.ctx, entry, err);
    if (failed !== entry && this.failedEntries === 'drop') return this.dropped(failed, 'failed in this stage');
    return failed;
  }

  dropped(entry: Entry, reason: string): undefined {
    this.ctx.stats.dropped(this.ctx.label);
    if (!hasFailed(entry)) this.ctx.streaks?.ended(this.ctx.label);
    this.ctx.onDropped?.(entry, this.ctx.label);
    this.ctx.demand.release();
    if (reason !== DROPPED_BY_WORK) this.ctx.log.debug({ stage: this.ctx.label, item: entry.item.id, reason }, `${this.ctx.label}: dropped ${entry.item.id}: ${reason}`);
    return undefined;
  }

  /** A step that emitted more entries than it got: the extra ones are in flight too. */
  extra(n: number): void {
    this.ctx.demand.admit(n);
  }
}

function protocolOf(step: Step, ctx: StageContext, resumedPast?: (entry: Entry) => boolean): Protocol {
  return new Protocol(ctx, step.failedEntries ?? 'pass', resumedPast);
}

function syncOperator(step: SyncStep, ctx: StageContext, resumedPast?: (entry: Entry) => boolean): OperatorFunction<Entry, Entry> {
  const protocol = protocolOf(step, ctx, resumedPast);
  return keepDefined((entry) => {
    if (!protocol.admit(entry)) return protocol.withoutWork(entry);
    let out: Entry | undefined;
    try {
      out = step.work(entry);
    } catch (err) {
      return protocol.thrown(entry, err);
    }
    return protocol.result(entry, out);
  });
}

function asyncOperator(step: AsyncStep, ctx: StageContext, resumedPast?: (entry: Entry) => boolean): OperatorFunction<Entry, Entry> {
  const protocol = protocolOf(step, ctx, resumedPast);
  // Each entry in flight may listen to the run's signal (got, the S3 client): no leak, just many.
  raiseListenerLimit(ctx.signal, step.signalListeners ?? 2 * step.concurrency);
  const work = orderedMergeMap(async (entry: Entry): Promise<Entry | undefined> => {
    if (!protocol.admit(entry)) return protocol.withoutWork(entry);
    try {
      return protocol.result(entry, await step.work(entry));
    } catch (err) {
      return protocol.thrown(entry, err);
    }
  }, step.concurrency);
  return (source) => source.pipe(work, keepDefined((entry) => entry));
}

/**
 * A plain operator applied to each entry on its own, so the engine sees what it made of every entry: nothing
 * (a drop), one entry, several (each extra one takes a flow slot), or an error (a failure of that entry).
 */
function perEntryOperator(step: OperatorStep, ctx: StageContext, resumedPast?: (entry: Entry) => boolean): OperatorFunction<Entry, Entry> {
  const protocol = protocolOf(step, ctx, resumedPast);
  return concatMap((entry: Entry) => {
    if (!protocol.admit(entry)) {
      const out = protocol.withoutWork(entry);
      return out === undefined ? [] : [out];
    }
    return new Observable<Entry>((subscriber) => {
      let emitted = 0;
      return of(entry)
        .pipe(step.operator)
        .subscribe({
          next: (out) => {
            emitted += 1;
            if (emitted > 1) protocol.extra(1);
            const kept = protocol.result(entry, out);
            if (kept !== undefined) subscriber.next(kept);
          },
          error: (err: unknown) => {
            try {
              const failed = protocol.thrown(entry, err);
              if (failed !== undefined) {
                if (emitted > 0) protocol.extra(1);
                subscriber.next(failed);
              }
              subscriber.complete();
            } catch (fatal) {
              subscriber.error(fatal);
            }
          },
          complete: () => {
            if (emitted === 0) protocol.dropped(entry, 'its operator emitted nothing');
            subscriber.complete();
          },
        });
    });
  });
}

/** `map(project)` that leaves out `undefined` results; one subscriber, no intermediate Observable. */
function keepDefined<T, R>(project: (value: T) => R | undefined): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) =>
      source.subscribe({
        next: (value) => {
          let out: R | undefined;
          try {
            out = project(value);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          if (out !== undefined) subscriber.next(out);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

/** Raises `signal`'s listener limit by `n`: each stage adds what its concurrency may hold at once. */
function raiseListenerLimit(signal: AbortSignal, n: number): void {
  setMaxListeners(getMaxListeners(signal) + n, signal);
}
