import type { OperatorFunction } from 'rxjs';
import { hasFailed, withFailure, type Entry, type Failure } from '../entry.js';
import { EntryError, errorClass, errorCode, errorMessage } from '../errors.js';
import { orderedMergeMap } from './ordered-merge-map.js';
import type { StageContext } from './stage.js';

/**
 * The one place where a stage's per-entry work gets its concurrency (`orderedMergeMap(fn, concurrency)`:
 * up to `concurrency` at once, entries leave in the order they came), its counting and its failure handling.
 * `work` may throw; what happens then is `errorClass(err)`'s answer (src/errors.ts): an item-class (or a
 * retryable one whose retries are spent) error becomes a Failure on that entry (counted, reported) and the
 * entry goes on; a fatal error or a bug (a TypeError...) ends the run. Work that fails because the run was
 * aborted (its requests cancelled) is not the item's failure: nothing is recorded for it.
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
      return failEntry(ctx, entry, err);
    }
  }, concurrency);
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
  return withFailure(entry, failure);
}
