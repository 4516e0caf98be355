import type { ItemNeedingAttention, ItemStatus, RunRecord, StoredFailure } from '../state/types.js';
import type { LockHolder } from '../state/run-lock.js';

/**
 * What `stacflow status FILE` shows of a pipeline's state, as data: the `--json` output as is, and what
 * status-text.ts prints. Built from the store's read-only queries (src/state), never from a run in memory.
 */
export interface StatusReport {
  pipeline: string;
  file: string;
  state: string;
  /** The cursor the last complete run left: the next incremental search asks for changes since it. */
  cursor: string | null;
  /** The process that holds the run lock (a run is going, or one died and left it), or null. */
  running: LockHolder | null;
  /** Items by status in the state. */
  items: Record<ItemStatus, number>;
  /** Failed items the next run works again (not given up). */
  pending: number;
  /** The last runs, the most recent first. */
  runs: StatusRun[];
  /** The most recent items failed (pending) and given up, with why; at most `listed` of both. */
  failed: StatusItem[];
  given_up: StatusItem[];
  /** Items failed or given up that the lists leave out (`--items N` shows more). */
  not_listed: number;
}

export interface StatusRun {
  run: number;
  started_at: string;
  ended_at: string | null;
  duration_s: number | null;
  /** running, done, done_with_failures, aborted, interrupted (its process died: kill -9, power loss). */
  status: RunRecord['status'];
  exit_code: number | null;
  items: { new: number; changed: number; unchanged: number; retried: number; failed: number; given_up: number };
  full_refresh: boolean;
  reconcile: boolean;
  cursor_after: string | null;
}

export interface StatusItem {
  item: string;
  collection: string;
  id: string;
  /** Runs in a row that ended with the item failed. */
  attempts: number;
  last_run: number;
  failures: readonly StoredFailure[];
  /** How far it got through each step in that run (step label → done, failed, dropped, not_reached). */
  stages?: Readonly<Record<string, string>>;
}

/** A run row as status shows it: its duration and what its state counts say of its items. */
export function statusRun(run: RunRecord): StatusRun {
  const count = (name: string): number => run.counts?.[name] ?? 0;
  const ended = run.endedAt === null ? NaN : Date.parse(run.endedAt) - Date.parse(run.startedAt);
  return {
    run: run.id,
    started_at: run.startedAt,
    ended_at: run.endedAt,
    duration_s: Number.isFinite(ended) ? Math.round(ended) / 1000 : null,
    status: run.status,
    exit_code: run.exitCode,
    items: {
      new: count('new') + count('back'),
      changed: count('changed'),
      unchanged: count('unchanged'),
      retried: count('retried'),
      // Counted by the store as the records are committed: also right for a run that was killed.
      failed: run.failedItems,
      given_up: count('given_up') + count('recorded_given_up'),
    },
    full_refresh: run.fullRefresh,
    reconcile: run.reconcile,
    cursor_after: run.cursorAfter,
  };
}

export function statusItem(item: ItemNeedingAttention): StatusItem {
  return {
    item: item.key,
    collection: item.collection,
    id: item.id,
    attempts: item.attempts,
    last_run: item.lastRun,
    failures: item.failures,
    ...(item.stages ? { stages: item.stages } : {}),
  };
}
