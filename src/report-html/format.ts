/** Numbers as the page prints them; explicit locale, so the same data renders the same page anywhere. */

export const count = (n: number): string => n.toLocaleString('en-US');

/** A measured value: up to 4 significant digits, no exponent for everyday magnitudes. */
export function decimal(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-4) return x.toExponential(2);
  return Number(x.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

export function seconds(s: number | null): string {
  if (s === null) return '–';
  if (s < 60) return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
  const minutes = Math.floor(s / 60);
  return `${minutes} min ${Math.round(s - minutes * 60)} s`;
}

/** Binary units, as rclone prints them. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Degrees on an axis: `3.5°`, `-10°`. */
export const degrees = (x: number): string => `${Number(x.toPrecision(6))}°`;
