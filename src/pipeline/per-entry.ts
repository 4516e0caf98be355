import type { OperatorFunction } from 'rxjs';
import { hasFailed, withFailure, type Entry, type Failure } from '../entry.js';
import { StacflowError, errorMessage } from '../errors.js';
import { orderedMergeMap } from './ordered-merge-map.js';
import type { StageContext } from './stage.js';

/** An error a stage raises for one entry: it becomes a Failure on that entry, and the run goes on. */
export class EntryError extends StacflowError {
  readonly href?: string;
  readonly status?: number;

  constructor(code: string, message: string, options: { href?: string; status?: number; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause, errorClass: 'item' });
    this.href = options.href;
    this.status = options.status;
  }
}

/**
 * The one place where a stage's per-entry work gets its concurrency (`orderedMergeMap(fn, concurrency)`:
 * up to `concurrency` at once, entries leave in the order they came), its counting and its failure handling. `work` may throw: an item-class error becomes a Failure on that
 * entry (counted, reported) and the entry goes on; a fatal error (errorClass 'fatal') ends the run.
 * Entries that failed in an earlier stage pass through untouched: no work is done for them.
 */
export function perEntry(
  ctx: StageContext,
  work: (entry: Entry) => Promise<Entry>,
  concurrency = 1,
): OperatorFunction<Entry, Entry> {
  return orderedMergeMap(async (entry: Entry) => {
    ctx.stats.entered(ctx.label);
    if (hasFailed(entry)) {
      ctx.stats.passed(ctx.label);
      return entry;
    }
    try {
      const result = await work(entry);
      // A work function may record failures itself (failEntry) and still return the entry (a download with
      // one asset failed and others written): counted as failed then, as when it throws, not as passed.
      if (result.failures.length === entry.failures.length) ctx.stats.passed(ctx.label);
      return result;
    } catch (err) {
      if (err instanceof StacflowError && err.errorClass === 'fatal') throw err;
      return failEntry(ctx, entry, err);
    }
  }, concurrency);
}

/** Record `err` as a failure of `entry` in this stage: on the entry, in the stats and in the log. */
export function failEntry(ctx: StageContext, entry: Entry, err: unknown): Entry {
  const failure: Failure = {
    stage: ctx.label,
    code: err instanceof StacflowError ? err.code : 'ERR_UNEXPECTED',
    message: errorMessage(err),
  };
  if (err instanceof EntryError) {
    if (err.href !== undefined) failure.href = err.href;
    if (err.status !== undefined) failure.status = err.status;
  }
  ctx.stats.failed(ctx.label, { ...failure, item: entry.item.id, collection: entry.item.collection });
  ctx.log.warn({ item: entry.item.id, ...failure }, `${entry.item.id}: ${failure.message}`);
  return withFailure(entry, failure);
}
