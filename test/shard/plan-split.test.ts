import { splitSpan, UnsplittableError } from '../../src/shard/plan-split.js';

/**
 * The cutting of a span into windows, on synthetic distributions: `matched(t)` counts sorted start instants,
 * as numberMatched of `start/t` would.
 */
function distribution(starts: number[]) {
  const sorted = [...starts].sort((a, b) => a - b);
  const matched = async (at: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return { sorted, matched };
}

const DAY = 86_400_000_000;

test('a steep distribution: cuts at the quantiles, within the tolerance, in few probes', async () => {
  // 20,000 items over 1,000 days, their density growing as the cube of time (u^(1/4) draws).
  const starts = Array.from({ length: 20_000 }, (_, i) => Math.floor(((i + 0.5) / 20_000) ** 0.25 * 1000 * DAY));
  const { sorted, matched } = distribution(starts);
  const result = await splitSpan({ total: sorted.length, shards: 8, low: 0, high: 1000 * DAY, lowMatched: 0, highMatched: sorted.length, matched, maxProbes: 200 });
  expect(result.converged).toBe(true);
  expect(result.cuts).toHaveLength(7);
  const tolerance = Math.floor(20_000 / 8 / 16);
  result.cuts.forEach((cut, k) => expect(Math.abs(cut.matched - ((k + 1) * 20_000) / 8)).toBeLessThanOrEqual(tolerance));
  expect(result.probes).toBeLessThanOrEqual(7 * 12);
});

test('the budget runs out: the best cuts found so far, said unconverged', async () => {
  const { sorted, matched } = distribution(Array.from({ length: 10_000 }, (_, i) => i * 1000));
  const result = await splitSpan({ total: sorted.length, shards: 4, low: 0, high: 10_000 * 1000, matched, maxProbes: 5 });
  expect(result.probes).toBe(5);
  expect(result.cuts).toHaveLength(3);
  expect(result.cuts.map((c) => c.at)).toEqual([...result.cuts.map((c) => c.at)].sort((a, b) => a - b));
});

test('every item at two instants cannot make four windows', async () => {
  const { sorted, matched } = distribution([...Array(50).fill(5 * DAY), ...Array(50).fill(9 * DAY)]);
  await expect(splitSpan({ total: sorted.length, shards: 4, low: 0, high: 10 * DAY, matched, maxProbes: 500 })).rejects.toBeInstanceOf(UnsplittableError);
});
