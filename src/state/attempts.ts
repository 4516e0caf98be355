import type { ItemMemory, ItemOutcome, ItemStatus } from './types.js';

/**
 * What an item becomes when a run records `outcome` for it at `version`: a failure counts one more run in a
 * row when it failed before at the same version (a new version starts the count again), and the run that
 * reaches `maxAttempts` gives it up; done or dropped clears the count.
 */
export function nextItemState(
  before: Pick<ItemMemory, 'version' | 'status' | 'attempts'> | undefined,
  version: string,
  outcome: ItemOutcome,
  maxAttempts: number,
): { status: ItemStatus; attempts: number } {
  if (outcome !== 'failed') return { status: outcome, attempts: 0 };
  const attempts = (before?.status === 'failed' && before.version === version ? before.attempts : 0) + 1;
  return { status: attempts >= maxAttempts ? 'given_up' : 'failed', attempts };
}
