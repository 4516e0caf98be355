/**
 * The current rate of a growing total: the change over a moving window of samples (rclone's "current speed"),
 * not the average since the start, which hides a stall and lags a change of pace for the whole run.
 */
export class RateWindow {
  private readonly samples: Array<{ at: number; total: number }> = [];

  constructor(private readonly windowMs = 10_000) {}

  /** Records the total at `at` (ms); samples older than the window are let go, one kept as its start. */
  sample(at: number, total: number): void {
    this.samples.push({ at, total });
    while (this.samples.length > 2 && at - this.samples[1].at >= this.windowMs) this.samples.shift();
  }

  /** Units a second over the window; 0 before two samples a moment apart. */
  perSecond(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (first === undefined || last === undefined || last.at - first.at < 1) return 0;
    return Math.max(0, ((last.total - first.total) * 1000) / (last.at - first.at));
  }
}
