/**
 * Sizes, rates and durations as progress shows them: binary units everywhere (KiB, MiB, GiB: 1024-based, as
 * rclone and the `download` options' sizes), three significant digits, durations as rclone's ETA (`1h2m`, `3m4s`, `5s`).
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `1536` → `1.50 KiB`; bytes under 1 KiB as a whole number (`512 B`). */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  // 1023.99 KiB would print as 1024 KiB: round first, then choose the digits.
  const digits = value < 10 ? 2 : value < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Bytes a second, `12.3 MiB/s`. */
export const formatRate = (bytesPerSecond: number): string => `${formatBytes(bytesPerSecond)}/s`;

/** Seconds as `1h2m`, `3m4s`, `5s`; `-` when unknown (no rate yet). */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${s % 60}s`;
  return `${s}s`;
}

/** A ratio as a whole percent, never 100% before it is done (99.6% of the work is not all of it). */
export function formatPercent(done: number, total: number): string {
  if (total <= 0) return '-';
  const percent = Math.floor((100 * Math.min(done, total)) / total);
  return `${percent}%`;
}

/** Items a second: one decimal under 10 (`2.5/s`), whole above. */
export const formatItemRate = (perSecond: number): string => `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond)}/s`;
