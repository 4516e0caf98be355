import { histogramOf, niceWidth } from '../../src/report-html/histogram.js';

test('bin widths are 1, 2, 2.5 or 5 × 10ⁿ, about 24 bins, never more than 60', () => {
  expect(niceWidth(90, 90)).toBe(5);
  expect(niceWidth(30, 85)).toBe(2);
  expect(niceWidth(1, 1)).toBe(0.05);
  expect(niceWidth(0, 42)).toBe(0.5);
  expect(niceWidth(0, 0)).toBe(1);
  for (const span of [0.001, 7, 59.9, 61, 123456]) expect(span / niceWidth(span, span)).toBeLessThan(60);
});

test('each number in its bin, by outcome; NaN (no number) left out; counts carried', () => {
  const values = Float64Array.from([0, 4.9, 5, 12, Number.NaN, 99.9]);
  const outcomes = Uint8Array.from([0, 1, 2, 0, 0, 1]);
  const h = histogramOf('a', values, outcomes, { missing: 1, notNumeric: 0 })!;
  expect([h.start, h.width, h.bins.length, h.counted, h.min, h.max, h.missing]).toEqual([0, 5, 20, 5, 0, 99.9, 1]);
  expect(h.bins[0]).toEqual({ kept: 1, filtered: 1, failed: 0 });
  expect(h.bins[1]).toEqual({ kept: 0, filtered: 0, failed: 1 });
  expect(h.bins[2]).toEqual({ kept: 1, filtered: 0, failed: 0 });
  expect(h.bins[19]).toEqual({ kept: 0, filtered: 1, failed: 0 });
  expect(h.bins.reduce((n, b) => n + b.kept + b.filtered + b.failed, 0)).toBe(5);
  expect(histogramOf('b', Float64Array.from([Number.NaN]), Uint8Array.from([0]), { missing: 1, notNumeric: 0 })).toBeUndefined();
});
