import type { LoadedPipeline } from '../../engine/pipeline.js';
import { STATE_LABEL } from '../../engine/run-state.js';
import { SHARD_LABEL } from '../../shard/shard-gate.js';
import type { ActiveTransfer, RunStats, StageCounts } from '../../engine/stats.js';
import { RateWindow } from './rate-window.js';

/** One stage's progress: what the TTY lines and the JSON heartbeat both show. */
export interface StageProgress {
  label: string;
  role: 'source' | 'step' | 'output';
  /** The stage's name (`download`, `fetch_label`). */
  stage: string;
  in: number;
  out: number;
  failed: number;
  dropped: number;
  /** Entries that left the stage (for the source: items it gave). */
  done: number;
  /** Entries expected to reach it, from the searches' numberMatched less what earlier stages dropped. */
  total?: number;
  /** Entries a second, over the last seconds. */
  rate: number;
  eta_s?: number;
  /** For stages that count bytes: done this run, to do (`estimated` while items are still to come), the current rate. */
  bytes?: { done: number; total?: number; estimated: boolean; rate: number };
  /** download: files already there (skipped), resumed from a `.part`, fetched. */
  files?: { downloaded: number; skipped: number; resumed: number };
  /** The source: pages read, items per collection. */
  pages?: number;
  collections?: Record<string, number>;
}

/** A file being downloaded, with its own bar. */
export interface TransferProgress {
  name: string;
  item: string;
  bytes: number;
  size?: number;
  rate: number;
  eta_s?: number;
}

export interface ProgressSnapshot {
  elapsed_s: number;
  /** Items the searches matched (numberMatched, capped by max_items), when the API said it. */
  expected?: number;
  items: number;
  failed: number;
  /** Until the last stage is done: the longest of the stages' ETAs that are known. */
  eta_s?: number;
  stages: StageProgress[];
  /** The active transfers, oldest first. */
  transfers: TransferProgress[];
  /** State of an incremental run: items carried unchanged, new, changed (the state's counters). */
  state?: Record<string, number>;
}

/**
 * Reads a run's stats into snapshots: totals from the source's `expected`, % and ETA per stage, bytes done and
 * to do, current rates over a moving window. The engine knows nothing of it: `sample()` is called on a timer
 * by whoever displays, and the snapshot is plain data (the TTY frame and the JSON heartbeat render it).
 */
export class ProgressModel {
  private readonly placed: ReadonlyArray<{ label: string; role: StageProgress['role']; stage: string }>;
  private readonly itemRates = new Map<string, RateWindow>();
  private readonly byteRates = new Map<string, RateWindow>();
  private readonly transferRates = new Map<ActiveTransfer, RateWindow>();

  constructor(
    plan: LoadedPipeline,
    private readonly stats: RunStats,
    private readonly windowMs = 10_000,
  ) {
    this.placed = [
      { label: plan.source.label, role: 'source', stage: plan.source.stage.name },
      ...plan.steps.map((s) => ({ label: s.label, role: 'step' as const, stage: s.stage.name })),
      ...plan.outputs.map((s) => ({ label: s.label, role: 'output' as const, stage: s.stage.name })),
    ];
  }

  /** Records the totals now, for the current rates. */
  sample(now = Date.now()): void {
    // Stages not started yet are sampled at 0: their first entries then have a rate at once.
    for (const { label, role } of this.placed) {
      const counts = this.stats.stages.get(label);
      window(this.itemRates, label, this.windowMs).sample(now, counts ? leftStage(counts, role) : 0);
      window(this.byteRates, label, this.windowMs).sample(now, counts?.counters.bytes ?? 0);
    }
    const active = new Set(this.stats.transfers.values());
    for (const transfer of active) window(this.transferRates, transfer, this.windowMs).sample(now, transfer.bytes);
    for (const transfer of this.transferRates.keys()) if (!active.has(transfer)) this.transferRates.delete(transfer);
  }

  /** Where the run is; `final` once it ended (the totals are then what happened). */
  snapshot(now = Date.now(), final = false): ProgressSnapshot {
    const source = this.stats.stages.get(this.placed[0].label);
    const expected = source?.counters.expected;
    const state = this.stats.stages.get(STATE_LABEL)?.counters;
    // Entries that never reach the steps: duplicates, and unchanged items an incremental run carries or skips.
    const aroundSteps = (source?.counters.duplicates ?? 0) + sum(state, ['duplicates', 'unchanged_dropped', 'unchanged', 'given_up']);
    const aroundAll = (source?.counters.duplicates ?? 0) + sum(state, ['duplicates', 'unchanged_dropped']);
    // A shard (src/shard) passes on its own items only: the steps and outputs expect its share of the search.
    const pastSource = expected === undefined ? undefined : shardShare(expected, this.stats.stages.get(SHARD_LABEL)?.counters);
    let droppedBefore = 0;
    const stages = this.placed.map(({ label, role, stage }): StageProgress => {
      const counts = this.stats.stages.get(label) ?? { in: 0, out: 0, failed: 0, dropped: 0, counters: {} };
      const done = leftStage(counts, role);
      const reaching = expected === undefined || pastSource === undefined ? undefined : role === 'source' ? expected : pastSource - droppedBefore - (role === 'step' ? aroundSteps : aroundAll);
      droppedBefore += counts.dropped;
      const total = final ? done : reaching === undefined ? undefined : Math.max(reaching, role === 'source' ? done : counts.in);
      const rate = this.itemRates.get(label)?.perSecond() ?? 0;
      const progress: StageProgress = { label, role, stage, in: counts.in, out: counts.out, failed: counts.failed, dropped: counts.dropped, done, rate };
      if (total !== undefined) progress.total = total;
      const bytes = this.bytesOf(label, counts, total);
      if (bytes) progress.bytes = bytes;
      const eta = final ? 0 : etaOf(done, total, rate, bytes);
      if (eta !== undefined) progress.eta_s = eta;
      const c = counts.counters;
      if (stage === 'download') progress.files = { downloaded: c.downloaded ?? 0, skipped: c.skipped ?? 0, resumed: c.resumed ?? 0 };
      if (role === 'source') {
        if (c.pages !== undefined) progress.pages = c.pages;
        const collections = Object.entries(c).filter(([key]) => key.startsWith('items:'));
        if (collections.length > 0) progress.collections = Object.fromEntries(collections.map(([key, n]) => [key.slice('items:'.length), n]));
      }
      return progress;
    });
    const transfers = [...this.stats.transfers.values()].map((t): TransferProgress => {
      const rate = this.transferRates.get(t)?.perSecond() ?? 0;
      const out: TransferProgress = { name: t.name, item: t.item, bytes: t.bytes, rate };
      if (t.size !== undefined) {
        out.size = t.size;
        if (rate > 0) out.eta_s = Math.max(0, t.size - t.bytes) / rate;
      }
      return out;
    });
    const snapshot: ProgressSnapshot = {
      elapsed_s: Math.round((now - this.stats.startedAt) / 100) / 10,
      items: source?.out ?? 0,
      failed: this.stats.failedItems(),
      stages,
      transfers,
    };
    if (expected !== undefined) snapshot.expected = expected;
    // At least as long as the slowest stage whose rate is known (a stage with no entries yet has none).
    const etas = stages.flatMap((stage) => (stage.eta_s !== undefined ? [stage.eta_s] : []));
    if (etas.length > 0) snapshot.eta_s = Math.max(...etas);
    if (state && Object.keys(state).length > 0) snapshot.state = { ...state };
    return snapshot;
  }

  /**
   * Bytes of a stage that counts them. To do: what the transfers started set out to fetch (`bytes_planned`),
   * and, while entries are still to come, as much again per entry as per entry so far (estimated).
   */
  private bytesOf(label: string, counts: StageCounts, total: number | undefined): StageProgress['bytes'] | undefined {
    const done = counts.counters.bytes;
    const planned = counts.counters.bytes_planned;
    if (done === undefined && planned === undefined) return undefined;
    const rate = this.byteRates.get(label)?.perSecond() ?? 0;
    const bytes: NonNullable<StageProgress['bytes']> = { done: done ?? 0, estimated: false, rate };
    if (planned !== undefined) {
      const toCome = total === undefined ? 0 : Math.max(0, total - counts.in);
      bytes.total = Math.round(planned + (counts.in > 0 ? (planned / counts.in) * toCome : 0));
      bytes.estimated = toCome > 0;
    }
    return bytes;
  }
}

/** Entries that left a stage: passed, failed or dropped (a source only passes). */
function leftStage(counts: StageCounts, role: StageProgress['role']): number {
  return role === 'source' ? counts.out : counts.out + counts.failed + counts.dropped;
}

/** By bytes when the stage knows how many are to come (downloads), else by entries. */
function etaOf(done: number, total: number | undefined, rate: number, bytes: StageProgress['bytes']): number | undefined {
  if (total !== undefined && done >= total) return 0;
  if (bytes?.total !== undefined && bytes.rate > 0) return Math.max(0, bytes.total - bytes.done) / bytes.rate;
  if (total === undefined) return undefined;
  return rate > 0 ? (total - done) / rate : undefined;
}

function window<K>(windows: Map<K, RateWindow>, key: K, windowMs: number): RateWindow {
  let rate = windows.get(key);
  if (!rate) {
    rate = new RateWindow(windowMs);
    windows.set(key, rate);
  }
  return rate;
}

const sum = (counters: Record<string, number> | undefined, keys: string[]): number => keys.reduce((n, key) => n + (counters?.[key] ?? 0), 0);

/**
 * Of `expected` items searched, those a shard keeps: the ones it kept so far, and of those still to come its share
 * of the ones seen (about 1/N by hash). Not sharded, or nothing seen yet: all of them.
 */
export function shardShare(expected: number, shard: Readonly<Record<string, number>> | undefined): number {
  const searched = shard?.searched ?? 0;
  if (shard === undefined || searched === 0) return expected;
  const kept = shard.this_shard ?? 0;
  return Math.round(kept + (Math.max(0, expected - searched) * kept) / searched);
}
