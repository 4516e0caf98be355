import type { Got } from 'got';
import type { Entry } from '../entry.js';
import type { Logger } from 'pino';
import type { HttpLimits } from '../http/limits.js';
import type { S3Settings } from '../s3/settings.js';
import type { Demand } from './demand.js';
import type { RunStats } from './stats.js';
import type { FailureStreaks } from './failure-streaks.js';

/** What a running pipeline gives its stages. One per run. */
export interface RunContext {
  readonly http: Got;
  /** Limits and deadlines of every read (`http:` in the pipeline file). */
  readonly limits: HttpLimits;
  readonly log: Logger;
  readonly stats: RunStats;
  readonly s3: S3Settings;
  /** Aborted when the run is cancelled (Ctrl-C) or fails; I/O stages pass it to their requests. */
  readonly signal: AbortSignal;
  readonly pipelineName: string;
  /**
   * Flow control: a source awaits `demand.acquire()` before it emits each entry, so at most a bounded
   * number of entries are in flight (see demand.ts). The engine gives the slot back when the entry is
   * written or dropped (per-entry.ts): steps never touch it.
   */
  readonly demand: Demand;
  /**
   * Told of every entry a step drops (a filter said no, or it failed where failed entries are dropped), so an
   * incremental run records how the item ended and in which step (incremental.ts), and RunOptions.watch is told.
   * Undefined without either.
   */
  readonly onDropped?: (entry: Entry, stage: string) => void;
  /** The engine's: ends the run when a stage fails entry after entry with one code (`fail_fast`, failure-streaks.ts). */
  readonly streaks?: FailureStreaks;
}
