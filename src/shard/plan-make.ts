import type { Logger } from 'pino';
import type { LoadedPipeline } from '../engine/pipeline.js';
import { DEFAULT_LIMITS } from '../http/limits.js';
import { OPEN } from '../stac/datetime.js';
import { VERSION } from '../version.js';
import { SearchCounter, upTo } from './plan-count.js';
import { PLAN_FORMAT, windowsOf, type DatetimePlan } from './plan-file.js';
import { plannableSearch } from './plan-search.js';
import { splitSpan, UnsplittableError } from './plan-split.js';
import { formatMicros, instantMicros } from './plan-time.js';
import { ShardUsageError } from './shard-spec.js';

/** Requests a plan may make by default: the setup, and about a dozen probes per cut. */
export const defaultMaxRequests = (shards: number): number => 40 + 16 * shards;

export interface MakePlanOptions {
  readonly shards: number;
  /** Budget of HTTP requests, all included (default defaultMaxRequests). */
  readonly maxRequests?: number;
  readonly log: Logger;
  readonly now?: () => Date;
}

/**
 * `stacflow plan`'s work: the pipeline's search counted (numberMatched), its time span found (the configured
 * datetime, else the collections' temporal extents, else its first and last items by datetime), and cut into
 * `shards` windows of near-equal counts (plan-split.ts). Refusals are ShardUsageErrors (exit 2) saying why and
 * what to use instead.
 */
export async function makeDatetimePlan(pipeline: LoadedPipeline, options: MakePlanOptions): Promise<DatetimePlan> {
  const { shards } = options;
  const maxRequests = options.maxRequests ?? defaultMaxRequests(shards);
  const search = plannableSearch(pipeline);
  const counter = await SearchCounter.open(search, pipeline.http ?? DEFAULT_LIMITS, options.log);
  const total = await counter.matched(undefined);
  if (total < shards) {
    throw new ShardUsageError(`${pipeline.file}: the search matches ${total} item${total === 1 ? '' : 's'}, fewer than the ${shards} shards asked: use fewer shards (each window needs an item)`);
  }

  let cuts: ReadonlyArray<{ at: number; matched: number }> = [];
  let converged = true;
  if (shards > 1) {
    const span = await timeSpan(search.start, search.end, counter, pipeline.file);
    const remaining = maxRequests - counter.counted.requests;
    if (remaining < 2) throw new ShardUsageError(`--max-requests ${maxRequests}: the search's setup took ${counter.counted.requests} requests already; allow more`);
    try {
      const split = await splitSpan({
        total,
        shards,
        low: span.low,
        high: span.high,
        ...(search.end !== OPEN ? { highMatched: total } : {}),
        matched: (at) => counter.matched(upTo(search.start, formatMicros(at))),
        maxProbes: remaining,
      });
      cuts = split.cuts;
      converged = split.converged;
    } catch (err) {
      if (!(err instanceof UnsplittableError)) throw err;
      throw new ShardUsageError(`${pipeline.file}: cannot cut the search into ${shards} datetime windows: ${err.reason}; use hash sharding (--shard I/N)`);
    }
  }
  const windows = windowsOf(search.start, search.end, cuts, total);
  const mean = total / shards;
  return {
    stacflow_plan: PLAN_FORMAT,
    strategy: 'datetime',
    pipeline: pipeline.name,
    file: pipeline.file,
    fingerprint: search.fingerprint,
    search: { api: search.api, datetime: search.start === OPEN && search.end === OPEN ? null : `${search.start}/${search.end}` },
    shards,
    total,
    windows,
    balance: round(Math.max(...windows.map((w) => w.expected)) / mean),
    made_at: (options.now?.() ?? new Date()).toISOString(),
    requests: counter.counted.requests,
    retries: counter.counted.retries,
    converged,
    stacflow: VERSION,
  };
}

/**
 * The instants (µs) between which to cut: each end the configured one, else the collections' temporal extent,
 * else the first (last) item by datetime when the API sorts. The ends only guide the cuts: items outside go to
 * the first or last window, which are open there.
 */
async function timeSpan(start: string, end: string, counter: SearchCounter, file: string): Promise<{ low: number; high: number }> {
  let low = start === OPEN ? undefined : instantMicros(start);
  let high = end === OPEN ? undefined : instantMicros(end);
  if (low === undefined || high === undefined) {
    const extent = await counter.collectionsSpan();
    low ??= extent.start;
    high ??= extent.end;
  }
  if ((low === undefined || high === undefined) && counter.canSort) {
    low ??= await counter.edgeItem('asc');
    high ??= await counter.edgeItem('desc');
  }
  if (low === undefined || high === undefined) {
    throw new ShardUsageError(
      `${file}: the search's time span is unknown (no datetime configured, the collections' temporal extents are open, and the API does not sort by datetime): ` +
        'give source.stac_search.datetime START/END (--set source.stac_search.datetime=2007-11-01/2009-06-10), or use hash sharding (--shard I/N)',
    );
  }
  if (high <= low) throw new ShardUsageError(`${file}: every item of the search starts at one instant (${formatMicros(low)}): datetime windows cannot split it; use hash sharding (--shard I/N)`);
  return { low, high };
}

const round = (value: number): number => Math.round(value * 1000) / 1000;
