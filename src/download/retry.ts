import { setTimeout as sleep } from 'node:timers/promises';
import { S3ObjectError } from '../s3/errors.js';
import { DownloadError } from './errors.js';

/**
 * How the engine treats a failed attempt (rclone's fserrors: retry, no-retry, fatal):
 * - `transient`: a cut body, a reset, a 5xx after the client's own retries: try again from where the bytes
 *   stopped, after a backoff, while attempts are left;
 * - `changed`: the object is not the version being read (412 to If-Match): start again from byte 0;
 * - `abort`: the run is ending: stop, keep the `.part` for a later run;
 * - `fail`: retrying cannot help (404, 403, a wrong checksum, a full disk): the entry fails.
 */
export type AttemptOutcome = 'transient' | 'changed' | 'abort' | 'fail';

export function classify(err: unknown, signal: AbortSignal): AttemptOutcome {
  if (signal.aborted) return 'abort';
  if (err instanceof DownloadError) return err.code === 'ERR_DOWNLOAD_CHANGED' ? 'changed' : err.transient ? 'transient' : 'fail';
  if (err instanceof S3ObjectError) return err.code === 'ERR_S3_CHANGED' ? 'changed' : err.code === 'ERR_S3_UNAVAILABLE' ? 'transient' : 'fail';
  return 'fail';
}

export interface RetrySettings {
  /** Attempts per object (or per part), the first included. */
  attempts: number;
  /** First backoff; doubles each attempt, with jitter (50–100 %), up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_DOWNLOAD_RETRY: Readonly<RetrySettings> = Object.freeze({ attempts: 5, baseDelayMs: 250, maxDelayMs: 8000 });

/** The wait before attempt `attempt + 1` (attempt counts from 1). */
export function backoffMs(attempt: number, settings: RetrySettings, random = Math.random()): number {
  const full = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(full * (0.5 + random / 2));
}

/** Waits, unless the run is ending (then throws its reason). */
export async function backoff(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throw signal.reason ?? new Error('aborted');
  }
}
