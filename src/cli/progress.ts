import cliProgress from 'cli-progress';
import type { LoadedPipeline } from '../engine/pipeline.js';
import type { RunStats, StageCounts } from '../engine/stats.js';
import { terminalText } from '../util/terminal-text.js';

/**
 * Progress on a TTY: one line a stage (DESIGN.md), redrawn a few times a second from the run's stats.
 * The source line shows items per collection and the rate; other lines show in/out/failed/dropped, and the
 * bytes moved and MB/s for stages that count `bytes`. Collection ids come from the data: their control
 * characters are escaped (src/util/terminal-text.ts) before they reach the terminal.
 */
export class ProgressDisplay {
  private readonly bars = new cliProgress.MultiBar(
    {
      format: '{label} {text}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
      forceRedraw: true,
    },
    cliProgress.Presets.shades_classic,
  );
  private readonly lines: Array<{ label: string; bar: cliProgress.SingleBar; isSource: boolean }>;
  private readonly timer: NodeJS.Timeout;
  private readonly width: number;

  constructor(
    private readonly plan: LoadedPipeline,
    private readonly stats: RunStats,
  ) {
    const labels = [plan.source.label, ...plan.steps.map((s) => s.label), ...plan.outputs.map((s) => s.label)];
    this.width = Math.max(...labels.map((l) => l.length));
    this.lines = labels.map((label, i) => ({
      label,
      isSource: i === 0,
      bar: this.bars.create(0, 0, { label: terminalText(label.padEnd(this.width)), text: 'waiting' }),
    }));
    this.timer = setInterval(() => this.refresh(), 200);
  }

  refresh(): void {
    for (const line of this.lines) {
      const counts = this.stats.stages.get(line.label);
      line.bar.update(0, { label: terminalText(line.label.padEnd(this.width)), text: counts ? describeCounts(counts, line.isSource) : 'waiting' });
    }
  }

  private stopped = false;

  /** Draws the final counts once and releases the terminal; later calls do nothing. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.refresh();
    this.bars.stop();
  }
}

/** A stage's line of progress, as text safe for a terminal. */
export function describeCounts(counts: StageCounts, isSource: boolean): string {
  const seconds = counts.startedAt ? Math.max(0.001, ((counts.endedAt ?? Date.now()) - counts.startedAt) / 1000) : 0;
  const rate = seconds > 0 ? `${Math.round(counts.out / seconds)}/s` : '';
  if (isSource) {
    const collections = Object.entries(counts.counters).filter(([key]) => key.startsWith('items:'));
    const names = shortNames(collections.map(([key]) => key.slice('items:'.length))).map(terminalText);
    const perCollection = collections.length > 1 ? collections.map(([, n], i) => `${names[i]} ${n}`).join(', ') : '';
    const pages = counts.counters.pages !== undefined ? ` in ${counts.counters.pages} pages` : '';
    return `items ${counts.out}${pages} ${rate}${perCollection ? ` (${perCollection})` : ''}`;
  }
  const parts = [`in ${counts.in}`, `out ${counts.out}`];
  if (counts.dropped) parts.push(`dropped ${counts.dropped}`);
  if (counts.failed) parts.push(`failed ${counts.failed}`);
  return `${parts.join('  ')} ${rate}${transferred(counts)}`;
}

/** For stages that count `bytes` (download, fetch_label): the amount moved and the rate, in MB (10^6 bytes). */
export function transferred(counts: StageCounts, now = Date.now()): string {
  const bytes = counts.counters.bytes;
  if (bytes === undefined) return '';
  // While entries are still inside the stage, bytes keep coming after the last one left: time runs to now.
  const busy = counts.in > counts.out + counts.failed + counts.dropped;
  const end = busy ? now : counts.endedAt ?? now;
  const seconds = counts.startedAt !== undefined ? Math.max(0.001, (end - counts.startedAt) / 1000) : 0;
  const mb = bytes / 1e6;
  const rate = seconds > 0 ? `  ${(mb / seconds).toFixed(1)} MB/s` : '';
  return `  ${mb < 10 ? mb.toFixed(2) : mb.toFixed(0)} MB${rate}`;
}

/** Collection ids share long prefixes and suffixes (kaguya_terrain_camera_…_uncontrolled_observations): show what differs. */
export function shortNames(ids: string[]): string[] {
  if (ids.length < 2) return ids;
  const parts = ids.map((id) => id.split('_'));
  let head = 0;
  while (parts.every((p) => head < p.length - 1 && p[head] === parts[0][head])) head++;
  let tail = 0;
  while (parts.every((p) => tail < p.length - head - 1 && p[p.length - 1 - tail] === parts[0][parts[0].length - 1 - tail])) tail++;
  return parts.map((p) => p.slice(head, p.length - tail).join('_'));
}
