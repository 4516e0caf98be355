import { OUTCOMES, type Outcome } from './outcome.js';

/** One numeric field's distribution, stacked by how the items ended. Computed in Node: the page only draws it. */
export interface Histogram {
  field: string;
  /** Left edge of the first bin; every bin is `width` wide. */
  start: number;
  width: number;
  /** Items per bin and outcome. */
  bins: Array<Record<Outcome, number>>;
  min: number;
  max: number;
  /** Items with a number for this field. */
  counted: number;
  /** Items without a value (null, absent: failed before `select`, a NULL label value). */
  missing: number;
  /** Items whose value is not a number (a string, a list). */
  notNumeric: number;
}

/** About this many bins; the width is rounded to 1, 2, 2.5 or 5 × 10ⁿ so edges fall on readable numbers. */
const TARGET_BINS = 24;
const MAX_BINS = 60;

/**
 * Bins the numbers of `values` (NaN: no number; `outcomes[i]` says how item i ended). Undefined when no item
 * had a number for the field.
 */
export function histogramOf(field: string, values: Float64Array, outcomes: Uint8Array, counts: { missing: number; notNumeric: number }): Histogram | undefined {
  let min = Infinity;
  let max = -Infinity;
  let counted = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    counted += 1;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (counted === 0) return undefined;
  const width = niceWidth(max - min, Math.max(Math.abs(min), Math.abs(max)));
  const start = Math.floor(min / width) * width;
  const binCount = Math.min(MAX_BINS, Math.max(1, Math.floor((max - start) / width) + 1));
  const bins = Array.from({ length: binCount }, () => Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    const bin = Math.min(binCount - 1, Math.max(0, Math.floor((v - start) / width)));
    bins[bin][OUTCOMES[outcomes[i]]] += 1;
  }
  return { field, start, width, bins, min, max, counted, ...counts };
}

/** A bin width of 1, 2, 2.5 or 5 × 10ⁿ giving about TARGET_BINS bins over `span` (≥ 1 bin of a sensible size when span is 0). */
export function niceWidth(span: number, magnitude: number): number {
  const raw = span > 0 ? span / TARGET_BINS : magnitude > 0 ? magnitude / 100 : 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10;
  const width = step * power;
  // Never more than MAX_BINS: a span just over a step's reach would otherwise spill.
  return span / width >= MAX_BINS ? niceWidth(span * 2, magnitude) : width;
}
