/**
 * curl's `--speed-limit`/`--speed-time` for a body: `onSlow` is called once when fewer than
 * `bytesPerSecond × timeMs / 1000` bytes arrived over the last `timeMs` (a sliding window sampled a few times
 * per window). A body that stalls completely is caught the same way, after `timeMs`. A limit of 0 watches
 * nothing. Call `stop()` when the body ends.
 */
export interface SpeedWatch {
  /** Count bytes received. */
  add(bytes: number): void;
  stop(): void;
}

export function watchLowSpeed(bytesPerSecond: number, timeMs: number, onSlow: (received: number) => void): SpeedWatch {
  if (bytesPerSecond <= 0) return { add: () => undefined, stop: () => undefined };
  const needed = (bytesPerSecond * timeMs) / 1000;
  const tickMs = Math.max(10, Math.min(1000, Math.floor(timeMs / 4)));
  // Byte totals at each tick; the oldest one kept is at least `timeMs` old once the window is full.
  const samples: Array<{ at: number; total: number }> = [{ at: Date.now(), total: 0 }];
  let total = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    samples.push({ at: now, total });
    while (samples.length > 1 && now - samples[1].at >= timeMs) samples.shift();
    const oldest = samples[0];
    if (now - oldest.at >= timeMs && total - oldest.total < needed) {
      clearInterval(timer);
      onSlow(total);
    }
  }, tickMs);
  timer.unref();
  return {
    add: (bytes) => {
      total += bytes;
    },
    stop: () => clearInterval(timer),
  };
}
