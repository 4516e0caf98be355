/**
 * What the state stores and answers, in the engine's terms (src/engine/run-state.ts is the contract the
 * engine asks; these types match it member for member, so a StateStore is a RunStateStore without an adapter).
 */

/** How an item ended in a run: written done, written failed, or dropped on purpose (a filter said no). */
export type ItemOutcome = 'done' | 'failed' | 'dropped';

/** An item's status in the state: its last outcome, or `given_up` (failed max_attempts runs in a row), `removed` (gone from the source). */
export type ItemStatus = ItemOutcome | 'given_up' | 'removed';

/** What the state remembers of one item: the version it had when last worked, its status, failed runs in a row. */
export interface ItemMemory {
  readonly version: string;
  readonly status: ItemStatus;
  readonly attempts: number;
}

/** How far an item got through each step when last recorded, by step label (src/engine/run-state.ts). */
export type StageStatus = 'done' | 'failed' | 'dropped' | 'not_reached';
export type StageStatuses = Readonly<Record<string, StageStatus>>;

export interface RunStart {
  readonly startedAt: string;
  readonly fingerprint: string;
  readonly fullRefresh: boolean;
  readonly reconcile: boolean;
  /** The pipeline's name, shown by `stacflow status`. */
  readonly pipeline?: string;
}

export type RunEndStatus = 'done' | 'done_with_failures' | 'aborted';
/** `running` until endRun; `interrupted`: never ended (killed), found so by the next holder of the run lock. */
export type RunStatus = 'running' | RunEndStatus | 'interrupted';

export interface RunEnd {
  readonly endedAt: string;
  readonly status: RunEndStatus;
  readonly exitCode: number;
  readonly counts: Readonly<Record<string, number>>;
  /** Kept only for a run that completed (status not `aborted`). */
  readonly cursor?: string;
  /** The snapshot outputs it finished or kept, by label (src/engine/run-state.ts KeptOutput). */
  readonly outputs?: Readonly<Record<string, KeptOutput>>;
}

/** A snapshot output as a complete run left it (src/engine/run-state.ts). */
export interface KeptOutput {
  readonly path: string;
  readonly rows: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly options: string;
}

/** A run as `stacflow status` shows it. */
export interface RunRecord {
  readonly id: number;
  readonly pipeline: string | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly status: RunStatus;
  readonly exitCode: number | null;
  readonly counts: Readonly<Record<string, number>> | null;
  /** Items recorded by this run, and of them those recorded failed (counted by the store as they come). */
  readonly records: number;
  readonly failedItems: number;
  readonly cursorBefore: string | null;
  readonly cursorAfter: string | null;
  readonly fullRefresh: boolean;
  readonly reconcile: boolean;
  readonly fingerprint: string;
}

/** A failure as an entry carries it (src/entry.ts Failure). */
export interface StoredFailure {
  readonly stage: string;
  readonly code: string;
  readonly message: string;
  readonly href?: string;
  readonly status?: number;
}

/** A failed or given-up item, with why, for `stacflow status` and the report. */
export interface ItemNeedingAttention {
  readonly key: string;
  readonly collection: string;
  readonly id: string;
  readonly version: string;
  readonly status: 'failed' | 'given_up';
  readonly attempts: number;
  readonly lastRun: number;
  readonly failures: readonly StoredFailure[];
  /** How far it got through each step in that run (absent for records of schema version 1). */
  readonly stages?: StageStatuses;
}
