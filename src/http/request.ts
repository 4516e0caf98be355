import type { IncomingHttpHeaders } from 'node:http';
import type { Got } from 'got';
import { attempt, headerText, type AttemptOptions, type AttemptRequest, type BodyLimit, type HttpMethod } from './attempt.js';
import { clientSettings, type RetryInfo } from './client.js';
import { HttpRequestError } from './errors.js';
import { formatDuration, type HttpLimits } from './limits.js';
import { MAX_REDIRECTS, redirectedRequest } from './redirect.js';
import { decideRetry, waitBeforeRetry, type RetryDecision } from './retry-policy.js';

/**
 * The one retry loop of the STAC API (landing page, conformance, search pages) and of plain-HTTP labels and
 * HEADs. Each attempt is src/http/attempt.ts (deadlines, size limit, low speed, a body cut short is an
 * error); redirects are followed by src/http/redirect.ts. Retried, with the backoff of retry-policy.ts:
 * 408/429/5xx (Retry-After honoured up to http.max_retry_after), network errors, a head or whole-request
 * deadline, a body cut short or stalled. Not retried: other statuses, a body too large (it would not shrink),
 * an answer that is not HTTP. No attempt starts once http.give_up_after has passed since the first, and each
 * attempt's deadline ends there too. Each retry is told to the client's `onRetry` (the run's log and
 * counter) and to the caller's.
 */

export interface HttpRequest {
  readonly method: HttpMethod;
  readonly url: string;
  /** Sent to `url`'s origin; across a redirect to another origin only the harmless ones (redirect.ts). */
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body (POST), sent again with each attempt. */
  readonly json?: unknown;
}

export interface HttpRequestOptions {
  /** The largest answer body and its error code (pages: http.max_page_bytes, labels: http.max_label_bytes). */
  readonly body: BodyLimit;
  /** Statuses that are an answer (default 2xx); other statuses fail the request once their retries are spent. */
  readonly isAnswer?: (status: number) => boolean;
  /** Default: the limits the client was made with. */
  readonly limits?: HttpLimits;
  readonly signal?: AbortSignal;
  /** Told of each retry, besides the client's own `onRetry`. */
  readonly onRetry?: (info: RetryInfo) => void;
  /**
   * Whether an answer's body is whole, asked only where HTTP cannot tell: a body delimited by the connection's
   * close (no Content-Length, not chunked) that ended early looks whole. A body it calls cut is retried as
   * one cut short (ERR_BODY_CUT_SHORT). Search pages pass jsonLooksComplete.
   */
  readonly looksWhole?: (body: Buffer) => boolean;
}

export interface HttpAnswer {
  readonly status: number;
  readonly statusMessage?: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Where the answer came from, after redirects. */
  readonly url: string;
  /** Retries it took. */
  readonly retries: number;
}

const is2xx = (status: number): boolean => status >= 200 && status < 300;

/**
 * Sends `request` until it is answered, retrying what may be cured. Throws HttpRequestError (its final form:
 * `retries` set, errorClass `item`), or the signal's reason when aborted; any other error is a bug and is
 * rethrown as it is.
 */
export async function httpRequest(client: Got, request: HttpRequest, options: HttpRequestOptions): Promise<HttpAnswer> {
  const settings = clientSettings(client);
  const limits = options.limits ?? settings.limits;
  const isAnswer = options.isAnswer ?? is2xx;
  const { signal } = options;
  const started = Date.now();
  for (let retries = 0; ; retries += 1) {
    const left = limits.giveUpAfterMs - (Date.now() - started);
    const deadlineMs = Math.max(1, Math.min(limits.requestTimeoutMs, left));
    let failure: HttpRequestError;
    try {
      const result = await followRedirects(client, request, { limits, deadlineMs, body: options.body, isAnswer, signal });
      if (!isAnswer(result.status)) failure = statusFailure(request.method, result);
      else if (options.looksWhole && closeDelimited(result.headers) && !options.looksWhole(result.body)) {
        const detail = `body cut short: ${result.body.length} bytes came before the connection closed (no Content-Length), ending mid-document`;
        failure = new HttpRequestError('cut-short', detail, { method: request.method, url: result.url, status: result.status });
      } else return { status: result.status, statusMessage: result.statusMessage, headers: result.headers, body: result.body, url: result.url, retries };
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      if (!(err instanceof HttpRequestError)) throw err;
      failure = err;
    }

    const decision = decideRetry(
      { attempt: retries + 1, ...failure.retryInput, retryAfter: headerText(failure.headers?.['retry-after']), now: Date.now(), random: Math.random() },
      limits,
    );
    if (!decision.retry) throw failure.final(retries, whyNoRetry(decision, limits));
    const elapsed = Date.now() - started;
    if (elapsed + decision.delayMs >= limits.giveUpAfterMs) {
      throw failure.final(retries, `gave up after ${formatDuration(elapsed)} of attempts (http.give_up_after = ${formatDuration(limits.giveUpAfterMs)})`);
    }
    const info: RetryInfo = {
      url: failure.url,
      method: failure.method,
      attempt: retries + 1,
      status: failure.status,
      code: failure.kind === 'unreachable' ? (failure.networkCode ?? failure.code) : failure.code,
      reason: failure.detail,
      delayMs: decision.delayMs,
    };
    settings.onRetry?.(info);
    options.onRetry?.(info);
    await waitBeforeRetry(decision.delayMs, signal);
  }
}

/** An answer whose status is not one the caller takes: the status, its head and the start of its body. */
function statusFailure(method: HttpMethod, result: Awaited<ReturnType<typeof followRedirects>>): HttpRequestError {
  return new HttpRequestError('status', `answered ${result.status}${result.statusMessage ? ` ${result.statusMessage}` : ''}`, {
    method,
    url: result.url,
    status: result.status,
    statusMessage: result.statusMessage,
    headers: result.headers,
    errorBody: result.body,
  });
}

/** A body that only the connection's close ends: no Content-Length, no chunked Transfer-Encoding. */
function closeDelimited(headers: IncomingHttpHeaders): boolean {
  return headers['content-length'] === undefined && !/chunked/i.test(headerText(headers['transfer-encoding']) ?? '');
}

/** One attempt, following up to MAX_REDIRECTS redirects within its deadline. */
async function followRedirects(client: Got, request: HttpRequest, options: AttemptOptions): Promise<Awaited<ReturnType<typeof attempt>> & { url: string }> {
  const started = Date.now();
  let current: AttemptRequest = { method: request.method, url: request.url, headers: request.headers ?? {}, json: request.json };
  for (let hops = 0; ; hops += 1) {
    const result = await attempt(client, current, { ...options, deadlineMs: Math.max(1, options.deadlineMs - (Date.now() - started)) });
    if (result.location === undefined) return { ...result, url: current.url };
    if (hops >= MAX_REDIRECTS) {
      throw new HttpRequestError('redirects', `more than ${MAX_REDIRECTS} redirects (the last ${result.status} to ${result.location})`, { method: current.method, url: current.url, status: result.status });
    }
    current = redirectedRequest(current, result.status, result.location);
  }
}

function whyNoRetry(decision: Extract<RetryDecision, { retry: false }>, limits: HttpLimits): string | undefined {
  if (decision.reason === 'retry-after' && decision.retryAfterMs !== undefined) {
    return `the server asks to wait ${formatDuration(decision.retryAfterMs)} (Retry-After), longer than http.max_retry_after = ${formatDuration(limits.maxRetryAfterMs)}`;
  }
  return undefined;
}
