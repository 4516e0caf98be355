import type { HttpLimits } from '../http/limits.js';
import { retryWait, waitBeforeRetry } from '../http/retry-policy.js';
import { S3ObjectError, S3TransportError, toS3ObjectError } from './errors.js';
import type { S3Location } from './href.js';

/**
 * The one retry loop of S3 small reads (getObjectBytes, headObject; see the top of client.ts for which layer
 * retries what). Each attempt runs under its own deadline: http.request_timeout, and never past
 * http.give_up_after since the first attempt. A retryable failure (errors.ts: 5xx, throttling, network errors,
 * deadlines, low speed, a body cut short) is tried again after retryWait(), up to http.retries times; an item
 * failure (404, 403, 412, too large) is thrown at once. The final error says how many attempts were made.
 */

export interface Where {
  href: string;
  location: S3Location;
  endpoint?: string;
}

export async function withRetries<T>(where: Where, limits: HttpLimits, signal: AbortSignal | undefined, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let n = 1; ; n += 1) {
    signal?.throwIfAborted();
    const left = started + limits.giveUpAfterMs - Date.now();
    const deadline = new AbortController();
    const [ms, limit] = left < limits.requestTimeoutMs
      ? [Math.max(1, left), `http.give_up_after = ${limits.giveUpAfterMs / 1000} s since the first attempt`]
      : [limits.requestTimeoutMs, `http.request_timeout = ${limits.requestTimeoutMs / 1000} s`];
    const timer = setTimeout(() => deadline.abort(new S3TransportError('ERR_REQUEST_TIMEOUT', where.href, `no complete answer within ${limit}`)), ms);
    // The caller's abort ends the attempt too: forwarded by a listener, not AbortSignal.any (Node 20's costs
    // ~30 µs and leaves a WeakRef per attempt on the caller's signal for the GC to clear).
    const forward = () => deadline.abort(signal?.reason);
    signal?.addEventListener('abort', forward, { once: true });
    try {
      return await attempt(deadline.signal);
    } catch (err) {
      // The caller's own abort stays an abort (the run is ending).
      if (signal?.aborted) throw signal.reason ?? err;
      // The attempt's deadline, whatever the SDK made of its abort.
      const failure = toS3ObjectError(deadline.signal.aborted ? deadline.signal.reason : err, where, n);
      if (failure.errorClass !== 'retryable' || n > limits.retries) throw failure;
      const wait = retryWait(n, retryAfterOf(err), limits);
      if (wait === undefined || Date.now() + wait >= started + limits.giveUpAfterMs) throw failure;
      await waitBeforeRetry(wait, signal);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
    }
  }
}

/** The Retry-After header of the answer an SDK error was made from (the SDK keeps it as `$response`). */
export function retryAfterOf(err: unknown): string | undefined {
  if (err instanceof S3ObjectError) return retryAfterOf(err.cause);
  const headers = (err as { $response?: { headers?: Record<string, string | undefined> } } | undefined)?.$response?.headers;
  return headers?.['retry-after'] ?? undefined;
}
