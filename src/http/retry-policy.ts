/**
 * When to retry an HTTP request and how long to wait: a pure function of the attempt, the method, the
 * error code or status and the Retry-After header, so it can be tested on its own (got's shape, see
 * source/core/calculate-retry-delay.ts).
 */

export const RETRY_STATUS_CODES: readonly number[] = [408, 429, 500, 502, 503, 504];

export const RETRY_ERROR_CODES: readonly string[] = [
  'ETIMEDOUT', 'ECONNRESET', 'EADDRINUSE', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'ENETUNREACH', 'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
];

export interface RetrySettings {
  /** Retries after the first attempt. */
  limit: number;
  /** First backoff in ms; doubles each attempt. */
  baseDelayMs: number;
  /** Cap of one backoff in ms. */
  maxDelayMs: number;
  /** Longest Retry-After we wait for; a longer one fails the request (with the wait in the message). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: Readonly<RetrySettings> = Object.freeze({
  limit: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
});

export interface RetryInput {
  /** 1 for the first retry. */
  attempt: number;
  /** HTTP status of the failed attempt, when there was a response. */
  status?: number;
  /** Node/got error code when there was no response (ECONNRESET, ETIMEDOUT...). */
  code?: string;
  /** The Retry-After header as sent (seconds or an HTTP date). */
  retryAfter?: string;
  /** Date.now() at the time of the decision (for HTTP-date Retry-After). */
  now: number;
  /** A number in [0, 1) for jitter. */
  random: number;
}

/** Milliseconds to wait before the next attempt, or 0 for "do not retry". */
export function retryDelay(input: RetryInput, settings: RetrySettings = DEFAULT_RETRY): number {
  if (input.attempt > settings.limit) return 0;
  const retryableStatus = input.status !== undefined && RETRY_STATUS_CODES.includes(input.status);
  const retryableCode = input.status === undefined && input.code !== undefined && RETRY_ERROR_CODES.includes(input.code);
  if (!retryableStatus && !retryableCode) return 0;

  const hinted = parseRetryAfter(input.retryAfter, input.now);
  if (hinted !== undefined) {
    if (hinted > settings.maxRetryAfterMs) return 0;
    // The server said when: wait that long (at least 1 ms, so 0 still means "retry").
    return Math.max(1, hinted);
  }
  // Exponential backoff with full jitter on the upper half: spread retries of many clients apart.
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (input.attempt - 1));
  return Math.max(1, Math.round(ceiling / 2 + (ceiling / 2) * input.random));
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP-date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
