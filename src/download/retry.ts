import { StacflowError } from '../errors.js';
import type { HttpLimits } from '../http/limits.js';
import { S3ObjectError } from '../s3/errors.js';
import { retryWaitWithin } from '../http/retry-policy.js';
import { retryAfterOf } from '../s3/retry.js';
import { DownloadError } from './errors.js';

/**
 * How the engine treats a failed attempt (rclone's fserrors: retry, no-retry, fatal):
 * - `transient`: a cut or stalled body (ERR_LOW_SPEED), a reset, a refused connection, a 5xx or a throttle:
 *   try again from where the bytes stopped, after a backoff, while attempts and time are left;
 * - `changed`: the object is not the version being read (412 to If-Match): start again from byte 0;
 * - `abort`: the run is ending: stop, keep the `.part` for a later run;
 * - `fail`: retrying cannot help (404, 403, a wrong checksum, a full disk): the entry fails.
 * The engine is the only layer that retries a download body (see the top of src/s3/client.ts): S3's
 * `objectStream` and the HTTP source's GET make one attempt each.
 */
export type AttemptOutcome = 'transient' | 'changed' | 'abort' | 'fail';

export function classify(err: unknown, signal: AbortSignal): AttemptOutcome {
  if (signal.aborted) return 'abort';
  if (err instanceof DownloadError) return err.code === 'ERR_DOWNLOAD_CHANGED' ? 'changed' : err.transient ? 'transient' : 'fail';
  if (err instanceof S3ObjectError && err.code === 'ERR_S3_CHANGED') return 'changed';
  // S3's retryable errors, and the transport's (a body below the low-speed limit).
  if (err instanceof StacflowError) return err.errorClass === 'retryable' ? 'transient' : 'fail';
  return 'fail';
}

/** How often and how patiently one object (or one part) is tried: from the run's `http:` limits. */
export interface DownloadRetry {
  /** Attempts per object or part, the first included (http.retries + 1). */
  readonly attempts: number;
  /** Retries, give-up time and backoff (retryWaitWithin: http.retries, http.give_up_after, http.retry_*_delay). */
  readonly limits: HttpLimits;
}

export function downloadRetry(limits: HttpLimits): DownloadRetry {
  return { attempts: limits.retries + 1, limits };
}

/**
 * The wait before the attempt after `attempt` (counted from 1) that failed with `failure`, or undefined when
 * there is none: the attempts are spent, the server asks for a wait longer than http.max_retry_after, or the
 * next attempt would start past http.give_up_after since `since`, the first attempt of this run of failures (a
 * body that brought bytes starts the count again: a long download cut now and then is not given up for its
 * length). The rule is src/http/retry-policy.ts's, as for the S3 loop, so a refused connection is tried again
 * after ~1, 2, 4, 8, 16 s by default, a name that does not resolve once.
 */
export function nextWait(attempt: number, failure: unknown, retry: DownloadRetry, since: number, now = Date.now()): number | undefined {
  return retryWaitWithin(attempt, retryAfterOf(failure), retry.limits, since, now, Math.random(), failure);
}
