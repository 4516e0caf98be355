/**
 * Where to cut a search's time span into N windows of near-equal counts, from a cumulative count:
 * `matched(t)` is how many items of the search start at or before `t` (one limit=1 request reading
 * numberMatched, src/shard/plan-count.ts). Pure but for that function, so it is tested on synthetic
 * distributions as well as against the sandbox.
 *
 * The span is cut where the quantiles k·total/N lie: a bucket between two probed instants is probed again only
 * while it holds a quantile that neither end is close enough to (within `tolerance` items), the bucket with
 * the most items first, until every quantile is close enough, the bucket is narrower than `resolutionMicros`,
 * or `maxProbes` requests were made. The probe is interpolated in the bucket's count (regula falsi) but kept
 * within its middle three quarters, so a skewed distribution converges fast and any other still shrinks the
 * bucket by at least an eighth of its width a probe.
 */

export interface SplitInput {
  /** Items the whole search matches. */
  readonly total: number;
  readonly shards: number;
  /** First and last instants (µs) of the span; items starting before `low` or after `high` go to the first/last window. */
  readonly low: number;
  readonly high: number;
  /** matched(low) and matched(high), when known without a request (0 / total for configured ends), else probed. */
  readonly lowMatched?: number;
  readonly highMatched?: number;
  readonly matched: (at: number) => Promise<number>;
  /** Requests this may make at most. */
  readonly maxProbes: number;
  /** Items a cut may miss its quantile by (default: a sixteenth of a window, at least 1). */
  readonly tolerance?: number;
  /** Narrowest bucket probed again, in µs (default 1 ms: the cuts are written with milliseconds). */
  readonly resolutionMicros?: number;
}

export interface CutPoint {
  readonly at: number;
  /** Items starting at or before `at`. */
  readonly matched: number;
}

export interface SplitResult {
  /** N−1 cut instants, increasing, each with its cumulative count. */
  readonly cuts: readonly CutPoint[];
  /** Every instant probed or known, in time order (for the plan file's record). */
  readonly points: readonly CutPoint[];
  readonly probes: number;
  /** False when the budget ran out before every quantile was close enough. */
  readonly converged: boolean;
}

/** N windows cannot be cut: too few distinct instants carry the items (a lump at one instant, or too few items). */
export class UnsplittableError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export async function splitSpan(input: SplitInput): Promise<SplitResult> {
  const { total, shards } = input;
  const resolution = input.resolutionMicros ?? 1000;
  const tolerance = input.tolerance ?? Math.max(1, Math.floor(total / shards / 16));
  let probes = 0;
  const probe = async (at: number): Promise<number> => {
    probes += 1;
    return input.matched(at);
  };
  const points: CutPoint[] = [];
  points.push({ at: input.low, matched: input.lowMatched ?? (await probe(input.low)) });
  if (input.high > input.low) points.push({ at: input.high, matched: input.highMatched ?? (await probe(input.high)) });
  const targets = Array.from({ length: shards - 1 }, (_, k) => ((k + 1) * total) / shards);

  let converged = false;
  while (probes < input.maxProbes) {
    const next = bucketToProbe(points, targets, tolerance, resolution);
    if (next === undefined) {
      converged = true;
      break;
    }
    const [a, b] = [points[next.index], points[next.index + 1]];
    const at = probeInstant(a, b, next.target, resolution);
    // A count that goes down as time goes up: items were ingested or removed while planning; keep it monotone.
    const matched = Math.min(b.matched, Math.max(a.matched, await probe(at)));
    points.splice(next.index + 1, 0, { at, matched });
  }
  if (!converged) converged = bucketToProbe(points, targets, tolerance, resolution) === undefined;
  return { cuts: chooseCuts(points, targets, total), points, probes, converged };
}

/** The bucket (index of its left point, with the quantile aimed at) most worth probing, or undefined. */
function bucketToProbe(points: readonly CutPoint[], targets: readonly number[], tolerance: number, resolution: number): { index: number; target: number } | undefined {
  let best: { index: number; target: number; weight: number } | undefined;
  for (let i = 0; i + 1 < points.length; i += 1) {
    const [a, b] = [points[i], points[i + 1]];
    if (b.at - a.at <= resolution) continue;
    // Quantiles inside the bucket that neither end is near enough: the one nearest the bucket's middle count.
    const middle = (a.matched + b.matched) / 2;
    let target: number | undefined;
    for (const q of targets) {
      if (q - a.matched <= tolerance || b.matched - q <= tolerance) continue;
      if (target === undefined || Math.abs(q - middle) < Math.abs(target - middle)) target = q;
    }
    if (target === undefined) continue;
    const weight = b.matched - a.matched;
    if (best === undefined || weight > best.weight) best = { index: i, target, weight };
  }
  return best;
}

/** Where to probe in [a, b] for quantile q: interpolated, kept in the middle three quarters, on a whole `resolution`. */
function probeInstant(a: CutPoint, b: CutPoint, q: number, resolution: number): number {
  const width = b.at - a.at;
  const share = (q - a.matched) / (b.matched - a.matched);
  const clamped = Math.min(7 / 8, Math.max(1 / 8, share));
  const at = a.at + Math.round((clamped * width) / resolution) * resolution;
  return Math.min(b.at - resolution, Math.max(a.at + resolution, at));
}

/**
 * N−1 increasing cuts, each the point whose count is nearest its quantile, leaving room for the cuts after it.
 * A cut at the span's first instant would leave an empty first window, so points start after it.
 */
function chooseCuts(points: readonly CutPoint[], targets: readonly number[], total: number): CutPoint[] {
  const usable = points.slice(1).filter((p, i, all) => i === 0 || p.at > all[i - 1].at);
  if (usable.length < targets.length) {
    throw new UnsplittableError(`only ${usable.length} distinct instants could be told apart in the span, ${targets.length} cuts needed`);
  }
  const cuts: CutPoint[] = [];
  let from = 0;
  for (let k = 0; k < targets.length; k += 1) {
    const last = usable.length - (targets.length - k); // leave one point for each later cut
    let pick = from;
    for (let i = from; i <= last; i += 1) if (Math.abs(usable[i].matched - targets[k]) < Math.abs(usable[pick].matched - targets[k])) pick = i;
    cuts.push(usable[pick]);
    from = pick + 1;
  }
  // Windows without items would be shards with nothing to do: say so rather than plan them.
  const bounds = [0, ...cuts.map((c) => c.matched), total];
  const empty = bounds.findIndex((m, i) => i > 0 && m - bounds[i - 1] <= 0);
  if (empty > 0) throw new UnsplittableError(`window ${empty - 1} would hold no items: the items start at too few distinct instants to make ${targets.length + 1} windows`);
  return cuts;
}
