import type { ObjectSource } from './object-source.js';
import type { RequestLimiter } from './request-limiter.js';
import type { DownloadRetry } from './retry.js';

/** What a transfer (whole or in parts) of one object needs: the source, the `.part`, the limits, the counters. */
export interface TransferContext {
  readonly source: ObjectSource;
  /** Absolute path of `<file>.part`. */
  readonly partPath: string;
  /** Size and ETag from the HEAD this transfer was decided on (GETs carry If-Match: etag). */
  readonly size?: number;
  readonly etag?: string;
  readonly limiter: RequestLimiter;
  /** Attempts, give-up time and backoff, from the run's `http:` limits. */
  readonly retry: DownloadRetry;
  readonly signal: AbortSignal;
  /** Adds to one of the stage's counters (`requests`, `bytes`, `retries`, `parts`). */
  count(counter: string, n?: number): void;
  /** Before each retry (logged at info with the href). */
  onRetry(info: { attempt: number; offset: number; reason: string; delayMs: number; part?: number }): void;
}
