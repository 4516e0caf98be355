import type { LoadedPipeline } from '../../engine/pipeline.js';
import type { RunStats } from '../../engine/stats.js';
import { renderFrame } from './frame.js';
import { LiveArea, type TerminalStream } from './live-area.js';
import { ProgressModel } from './model.js';

/** Redraws a second: enough for rates and bars to move, little CPU (a frame is a few lines of text). */
const FRAME_MS = 200;

/** Progress on a TTY: the frame of renderFrame redrawn at the bottom, logs printed above it (`print`). */
export class TtyProgress {
  private readonly area: LiveArea;
  private readonly model: ProgressModel;
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(plan: LoadedPipeline, stats: RunStats, stream: TerminalStream, options: { frameMs?: number; windowMs?: number } = {}) {
    this.area = new LiveArea(stream);
    this.model = new ProgressModel(plan, stats, options.windowMs);
    this.timer = setInterval(() => this.refresh(), options.frameMs ?? FRAME_MS);
    this.timer.unref();
    this.refresh();
  }

  refresh(now = Date.now()): void {
    this.model.sample(now);
    this.area.draw(renderFrame(this.model.snapshot(now), this.area.columns));
  }

  /** A log record's text, above the frame. */
  print(text: string): void {
    this.area.print(text);
  }

  /** Draws the final counts once and releases the terminal; later calls do nothing. */
  stop(now = Date.now()): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.model.sample(now);
    this.area.stop(renderFrame(this.model.snapshot(now, true), this.area.columns));
  }
}
