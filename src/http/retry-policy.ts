import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_LIMITS, type HttpLimits } from './limits.js';

/**
 * When to retry a failed attempt and how long to wait: a pure function of the attempt, the error code or
 * status and the Retry-After header, so it can be tested on its own (got's shape, see
 * source/core/calculate-retry-delay.ts). The one backoff formula of stacflow: the STAC API and plain-HTTP
 * loop (src/http/request.ts), the S3 loop and the download engine all wait what it says.
 */

export const RETRY_STATUS_CODES: readonly number[] = [408, 429, 500, 502, 503, 504];

/**
 * Failures without a usable answer that another attempt may cure: the network's (refused, reset, DNS,
 * unreachable) and stacflow's own for a deadline or a body that broke (src/http/errors.ts).
 */
export const RETRY_ERROR_CODES: readonly string[] = [
  'ETIMEDOUT', 'ECONNRESET', 'ECONNABORTED', 'EADDRINUSE', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'ENETUNREACH',
  'ENETDOWN', 'EHOSTUNREACH', 'EHOSTDOWN', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_CONNECT_TIMEOUT', 'ERR_HEAD_TIMEOUT', 'ERR_LOW_SPEED', 'ERR_REQUEST_TIMEOUT', 'ERR_BODY_CUT_SHORT',
];

/**
 * A name that does not resolve: retried once (a resolver's hiccup), not as long as a transient failure: a
 * wrong host name (`s3.endpoint`, the API url) or no network at all would otherwise cost every backoff.
 */
export const DNS_ERROR_CODES: readonly string[] = ['ENOTFOUND', 'EAI_AGAIN'];
const DNS_RETRY_LIMIT = 1;

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

/** The retry part of the `http:` limits. */
export function retrySettings(limits: HttpLimits): RetrySettings {
  return { limit: limits.retries, baseDelayMs: limits.retryBaseDelayMs, maxDelayMs: limits.retryMaxDelayMs, maxRetryAfterMs: limits.maxRetryAfterMs };
}

/** 5 retries, 1 s doubling to 30 s, Retry-After up to 120 s: the defaults of `http:`. */
export const DEFAULT_RETRY: Readonly<RetrySettings> = Object.freeze(retrySettings(DEFAULT_LIMITS));

export interface RetryInput {
  /** 1 for the first retry. */
  attempt: number;
  /** HTTP status of the failed attempt, when there was a response. */
  status?: number;
  /** Error code when there was no usable response (ECONNRESET, ERR_LOW_SPEED...). */
  code?: string;
  /** The Retry-After header as sent (seconds or an HTTP date). */
  retryAfter?: string;
  /** Date.now() at the time of the decision (for HTTP-date Retry-After). */
  now: number;
  /** A number in [0, 1) for jitter. */
  random: number;
}

export type RetryDecision =
  | { retry: true; delayMs: number }
  /** `not-retryable`: another attempt cannot help; `limit`: no retry left; `retry-after`: the server asks for a longer wait than allowed. */
  | { retry: false; reason: 'not-retryable' | 'limit' | 'retry-after'; retryAfterMs?: number };

/** Whether another attempt may help a failure with this status or code, attempts aside. */
export function isRetryable(failure: { status?: number; code?: string }): boolean {
  if (failure.status !== undefined) return RETRY_STATUS_CODES.includes(failure.status);
  return failure.code !== undefined && RETRY_ERROR_CODES.includes(failure.code);
}

/** Retry or not, and after how long. `settings` may be the `http:` limits themselves. */
export function decideRetry(input: RetryInput, settings: RetrySettings | HttpLimits = DEFAULT_RETRY): RetryDecision {
  const s = 'retries' in settings ? retrySettings(settings) : settings;
  if (!isRetryable(input)) return { retry: false, reason: 'not-retryable' };
  const limit = input.code !== undefined && DNS_ERROR_CODES.includes(input.code) ? Math.min(DNS_RETRY_LIMIT, s.limit) : s.limit;
  if (input.attempt > limit) return { retry: false, reason: 'limit' };

  const delayMs = retryWait(input.attempt, input.retryAfter, s, input.now, input.random);
  if (delayMs === undefined) return { retry: false, reason: 'retry-after', retryAfterMs: parseRetryAfter(input.retryAfter, input.now) };
  return { retry: true, delayMs };
}

/**
 * The wait before retry `attempt` (1 for the first) of a failure already judged retryable: the server's
 * Retry-After when it sent one (at least 1 ms, so 0 still means "retry"; undefined when it asks for more than
 * `maxRetryAfterMs`: give up), else the backoff. The S3 loop and the download engine wait what it says too.
 */
export function retryWait(attempt: number, retryAfter: string | undefined, settings: RetrySettings | HttpLimits, now = Date.now(), random = Math.random()): number | undefined {
  const s = 'retries' in settings ? retrySettings(settings) : settings;
  const hinted = parseRetryAfter(retryAfter, now);
  if (hinted !== undefined) return hinted > s.maxRetryAfterMs ? undefined : Math.max(1, hinted);
  return backoffDelay(attempt, s, random);
}

/**
 * The wait before retry `attempt` (1 for the first) of a retryable failure in a loop that began at `since`
 * (Date.now()), or undefined when the loop stops: no retry left (http.retries), a Retry-After above
 * http.max_retry_after, or the next attempt would start past http.give_up_after. The S3 loop and the download
 * engine stop by it; src/http/request.ts applies the same rules through decideRetry, to say which one stopped it.
 */
export function retryWaitWithin(
  attempt: number,
  retryAfter: string | undefined,
  limits: HttpLimits,
  since: number,
  now = Date.now(),
  random = Math.random(),
  failure?: unknown,
): number | undefined {
  if (attempt > (isDnsFailure(failure) ? Math.min(DNS_RETRY_LIMIT, limits.retries) : limits.retries)) return undefined;
  const wait = retryWait(attempt, retryAfter, limits, now, random);
  return wait === undefined || now + wait - since >= limits.giveUpAfterMs ? undefined : wait;
}

/** Whether `err` (or an error it wraps, as the SDK and stacflow's errors do) is a name that did not resolve. */
export function isDnsFailure(err: unknown): boolean {
  for (let at = err, depth = 0; at !== null && typeof at === 'object' && depth < 5; at = (at as { cause?: unknown }).cause, depth += 1) {
    const { code, networkCode } = at as { code?: unknown; networkCode?: unknown };
    if ((typeof code === 'string' && DNS_ERROR_CODES.includes(code)) || (typeof networkCode === 'string' && DNS_ERROR_CODES.includes(networkCode))) return true;
  }
  return false;
}

/** Waits `ms` between two attempts, unless `signal` aborts first: then throws its reason (the run is ending). */
export async function waitBeforeRetry(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    throw signal?.reason ?? err;
  }
}

/** Milliseconds to wait before the next attempt, or 0 for "do not retry". */
export function retryDelay(input: RetryInput, settings: RetrySettings | HttpLimits = DEFAULT_RETRY): number {
  const decision = decideRetry(input, settings);
  return decision.retry ? decision.delayMs : 0;
}

/**
 * Exponential backoff with jitter on the upper half (spreads the retries of many clients apart): attempt 1
 * waits 50–100 % of the base, each next one twice that, capped. With the defaults a refused connection or a
 * DNS failure is retried after ~1, 2, 4, 8, 16 s: an outage of a few seconds loses nothing.
 */
export function backoffDelay(attempt: number, settings: Pick<RetrySettings, 'baseDelayMs' | 'maxDelayMs'>, random: number): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  return Math.max(1, Math.round(ceiling / 2 + (ceiling / 2) * random));
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
