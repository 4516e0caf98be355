import { EventEmitter } from 'node:events';
import type { Failure } from '../entry.js';

/** A failure as the run report lists it: which item, and what went wrong where. */
export interface ReportedFailure extends Failure {
  item: string;
  collection?: string;
}

/** Something a run found that the user must hear of, though no item failed (a field no entry ever had). */
export interface ReportedWarning {
  stage: string;
  code: string;
  message: string;
  [detail: string]: unknown;
}

export interface StageCounts {
  /** Entries that reached the stage. */
  in: number;
  /** Entries the stage passed on. */
  out: number;
  /** Entries the stage marked failed. */
  failed: number;
  /** Entries the stage dropped on purpose (a filter that said no). */
  dropped: number;
  /** Anything else the stage counts: pages, requests, bytes, retries, per-collection items... */
  counters: Record<string, number>;
  startedAt?: number;
  endedAt?: number;
}

/** A file being transferred now (a download), for progress displays: its own bar while it runs. */
export interface ActiveTransfer {
  readonly stage: string;
  readonly item: string;
  /** Where it goes (the target path), as shown. */
  readonly name: string;
  /** The whole object's size, when the server said it. */
  readonly size?: number;
  /** Bytes a resumed `.part` already held. */
  readonly resumedFrom: number;
  /** Bytes in the file now (resumedFrom included). */
  bytes: number;
  readonly startedAt: number;
}

/** What a transfer reports while it runs; `end` once, whatever its outcome. */
export interface TransferTracker {
  add(bytes: number): void;
  end(): void;
}

/**
 * One stats object per run (as rclone's accounting): every stage records what it checked, passed,
 * dropped and failed here; the run report and the progress display read it. Emits `change` (throttled
 * by the listener, not here) so a progress bar can follow.
 */
export class RunStats extends EventEmitter {
  readonly startedAt = Date.now();
  readonly stages = new Map<string, StageCounts>();
  readonly failures: ReportedFailure[] = [];
  readonly warnings: ReportedWarning[] = [];
  /** Cap on failures kept in memory and in the report; the rest are only counted. */
  readonly maxFailuresKept: number;
  failuresNotKept = 0;
  /** Transfers in flight (startTransfer), by a number of their own. */
  readonly transfers = new Map<number, ActiveTransfer>();
  private transfersStarted = 0;

  constructor(options: { maxFailuresKept?: number } = {}) {
    super();
    this.maxFailuresKept = options.maxFailuresKept ?? 10_000;
  }

  stage(label: string): StageCounts {
    let counts = this.stages.get(label);
    if (!counts) {
      counts = { in: 0, out: 0, failed: 0, dropped: 0, counters: {} };
      this.stages.set(label, counts);
    }
    return counts;
  }

  entered(label: string, n = 1): void {
    const counts = this.stage(label);
    counts.startedAt ??= Date.now();
    counts.in += n;
    this.emit('change', label);
  }

  passed(label: string, n = 1): void {
    const counts = this.stage(label);
    counts.startedAt ??= Date.now();
    counts.out += n;
    counts.endedAt = Date.now();
    this.emit('change', label);
  }

  /** A step dropped entries on purpose (counted by the engine, which also frees their flow slots). */
  dropped(label: string, n = 1): void {
    this.stage(label).dropped += n;
    this.emit('dropped', label, n);
    this.emit('change', label);
  }

  count(label: string, counter: string, n = 1): void {
    const counters = this.stage(label).counters;
    counters[counter] = (counters[counter] ?? 0) + n;
    this.emit('change', label);
  }

  failed(label: string, failure: ReportedFailure): void {
    this.stage(label).failed += 1;
    if (this.failures.length < this.maxFailuresKept) this.failures.push(failure);
    else this.failuresNotKept += 1;
    this.emit('change', label);
  }

  warn(warning: ReportedWarning): void {
    this.warnings.push(warning);
    this.emit('change', warning.stage);
  }

  /**
   * A file transfer begins: listed in `transfers` until `end`. Its bytes still to fetch (size less what was
   * resumed) are counted as `bytes_planned` of the stage, so a display can say bytes done / to do.
   */
  startTransfer(label: string, info: { item: string; name: string; size?: number; resumedFrom?: number }): TransferTracker {
    const id = ++this.transfersStarted;
    const resumedFrom = info.resumedFrom ?? 0;
    const transfer: ActiveTransfer = { stage: label, item: info.item, name: info.name, resumedFrom, bytes: resumedFrom, startedAt: Date.now(), ...(info.size !== undefined ? { size: info.size } : {}) };
    this.transfers.set(id, transfer);
    if (info.size !== undefined) this.count(label, 'bytes_planned', Math.max(0, info.size - resumedFrom));
    return {
      add: (bytes) => {
        transfer.bytes += bytes;
      },
      end: () => {
        this.transfers.delete(id);
      },
    };
  }

  /** Number of distinct items with at least one failure. */
  failedItems(): number {
    return new Set(this.failures.map((f) => f.item)).size + this.failuresNotKept;
  }
}
