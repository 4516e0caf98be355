import type { Logger } from 'pino';
import type { LoadedPipeline } from '../../engine/pipeline.js';
import type { RunStats } from '../../engine/stats.js';
import { ProgressModel, type ProgressSnapshot } from './model.js';
import { formatDuration, formatPercent } from './units.js';

export const DEFAULT_HEARTBEAT_MS = 10_000;

/**
 * Progress off a TTY (CI, cron, a file): every `intervalMs` one JSON log line `{"msg": "progress: …",
 * "progress": {snapshot}}` (model.ts), so a long quiet run still says it is alive and how far it got. Written
 * at info through a child of the run's logger whatever its level (`--progress` with `-q` still beats).
 */
export class Heartbeat {
  private readonly model: ProgressModel;
  private readonly log: Logger;
  private readonly sampler: NodeJS.Timeout;
  private readonly beater: NodeJS.Timeout;
  private stopped = false;

  constructor(plan: LoadedPipeline, stats: RunStats, log: Logger, intervalMs = DEFAULT_HEARTBEAT_MS) {
    this.model = new ProgressModel(plan, stats);
    this.log = log.child({}, { level: 'info' });
    // Sampled more often than it beats, so the rate is over the last seconds, not the last interval only.
    this.sampler = setInterval(() => this.model.sample(), Math.min(1000, intervalMs / 2));
    this.beater = setInterval(() => this.beat(), intervalMs);
    this.sampler.unref();
    this.beater.unref();
  }

  beat(now = Date.now()): void {
    this.model.sample(now);
    const snapshot = this.model.snapshot(now);
    this.log.info({ progress: snapshot }, headline(snapshot));
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.sampler);
    clearInterval(this.beater);
  }
}

/** `progress: 2700/6000 items (45%), download 60/900, 3 failed, ETA 4m35s`. */
export function headline(s: ProgressSnapshot): string {
  const parts = [s.expected !== undefined ? `${s.items}/${s.expected} items (${formatPercent(s.items, s.expected)})` : `${s.items} items`];
  for (const stage of s.stages) if (stage.stage === 'download') parts.push(`${stage.label} ${stage.done}${stage.total !== undefined ? `/${stage.total}` : ''}`);
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.eta_s !== undefined && s.eta_s > 0) parts.push(`ETA ${formatDuration(s.eta_s)}`);
  return `progress: ${parts.join(', ')}`;
}
