import type { OperatorFunction } from 'rxjs';
import type { Entry } from '../entry.js';
import type { AsyncStep, OperatorStep, StepHooks, SyncStep } from './stage.js';

/**
 * What a step author writes (operators/README.md). Each gives the engine a description of per-entry work;
 * the engine (per-entry.ts) does the rest: counting, failed entries, drops and their flow slots.
 */

/** A pure step: `work` returns the entry (changed or not), or `undefined` (or `ctx.drop(...)`) to drop it. */
export function perEntrySync(work: (entry: Entry) => Entry | undefined, hooks: StepHooks = {}): SyncStep {
  return { ...hooks, mode: 'sync', work };
}

export interface PerEntryOptions extends StepHooks {
  /** Entries worked on at once (default 1); they leave in the order they came. */
  readonly concurrency?: number;
  /** Listeners the step may hold on the run's signal at once (default: 2 a concurrent entry). */
  readonly signalListeners?: number;
}

/** An I/O step: `work` resolves to the entry, or `undefined` to drop it; a rejection fails the entry. */
export function perEntry(work: (entry: Entry) => Promise<Entry | undefined>, options: PerEntryOptions = {}): AsyncStep {
  const { concurrency = 1, ...rest } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  return { ...rest, mode: 'async', work, concurrency };
}

/** A plain RxJS operator with hooks (`finish`, `failedEntries`); a bare operator needs no wrapping. */
export function perEntryOperator(operator: OperatorFunction<Entry, Entry>, hooks: StepHooks = {}): OperatorStep {
  return { ...hooks, mode: 'operator', operator };
}
