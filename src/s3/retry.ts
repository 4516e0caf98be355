import type { HttpLimits } from '../http/limits.js';
import { retryWaitWithin, waitBeforeRetry } from '../http/retry-policy.js';
import { S3ObjectError, S3TransportError, toS3ObjectError } from './errors.js';
import type { S3Location } from './href.js';

/**
 * The one retry loop of S3 small reads (getObjectBytes, headObject; see the top of client.ts for which layer
 * retries what). Each attempt runs under its own deadline (an Attempt): http.request_timeout, and never past
 * http.give_up_after since the first attempt. A retryable failure (errors.ts: 5xx, throttling, network errors,
 * deadlines, low speed, a body cut short) is tried again after retryWaitWithin(), up to http.retries times; an
 * item failure (404, 403, 412, too large) is thrown at once. The final error says how many attempts were made.
 */

export interface Where {
  href: string;
  location: S3Location;
  endpoint?: string;
}

/**
 * One attempt's bounds: its deadline (an absolute time and the error it fails with), and the caller's signal.
 * The direct path (anonymous-get.ts) hands both to the transport, which enforces them with the timer it already
 * has for the head; `signal`, which also aborts at the deadline, is made only for callers that read it (the
 * SDK takes an AbortSignal): an AbortController, a timer and a listener an attempt cost ~15 µs and three
 * objects for the GC, on every label.
 */
export class Attempt {
  #signal?: AbortSignal;
  #timer?: NodeJS.Timeout;
  #forward?: () => void;
  #controller?: AbortController;

  constructor(
    /** The caller's signal (the run's): its abort ends the attempt. */
    readonly callerSignal: AbortSignal | undefined,
    /** Date.now() past which the attempt has failed. */
    readonly at: number,
    /** The error a late attempt fails with (ERR_REQUEST_TIMEOUT naming the limit that applied). */
    readonly error: () => Error,
  ) {}

  /** Aborts with the caller's signal or at the deadline; made on first use. */
  get signal(): AbortSignal {
    if (this.#signal) return this.#signal;
    const controller = new AbortController();
    this.#controller = controller;
    this.#timer = setTimeout(() => controller.abort(this.error()), Math.max(1, this.at - Date.now()));
    // The caller's abort is forwarded by a listener, not AbortSignal.any (Node 20's costs ~30 µs and leaves a
    // WeakRef per attempt on the caller's signal for the GC to clear).
    const caller = this.callerSignal;
    if (caller) {
      this.#forward = () => controller.abort(caller.reason);
      caller.addEventListener('abort', this.#forward, { once: true });
    }
    this.#signal = controller.signal;
    return this.#signal;
  }

  /** The deadline's error when the attempt's own signal fired at it (whatever the SDK made of its abort). */
  get timedOut(): unknown {
    return this.#controller?.signal.aborted && !this.callerSignal?.aborted ? this.#controller.signal.reason : undefined;
  }

  /** Drops the timer and the listener of `signal`, if it was made. */
  end(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#forward) this.callerSignal?.removeEventListener('abort', this.#forward);
  }
}

export async function withRetries<T>(where: Where, limits: HttpLimits, signal: AbortSignal | undefined, run: (attempt: Attempt) => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let n = 1; ; n += 1) {
    signal?.throwIfAborted();
    const now = Date.now();
    const left = started + limits.giveUpAfterMs - now;
    const capped = left < limits.requestTimeoutMs;
    const attempt = new Attempt(signal, now + (capped ? Math.max(1, left) : limits.requestTimeoutMs), () => {
      const limit = capped ? `http.give_up_after = ${limits.giveUpAfterMs / 1000} s since the first attempt` : `http.request_timeout = ${limits.requestTimeoutMs / 1000} s`;
      return new S3TransportError('ERR_REQUEST_TIMEOUT', where.href, `no complete answer within ${limit}`);
    });
    try {
      return await run(attempt);
    } catch (err) {
      // The caller's own abort stays an abort (the run is ending).
      if (signal?.aborted) throw signal.reason ?? err;
      const failure = toS3ObjectError(attempt.timedOut ?? err, where, n);
      if (failure.errorClass !== 'retryable') throw failure;
      const wait = retryWaitWithin(n, retryAfterOf(err), limits, started, Date.now(), Math.random(), err);
      if (wait === undefined) throw failure;
      await waitBeforeRetry(wait, signal);
    } finally {
      attempt.end();
    }
  }
}

/** The Retry-After header of the answer an SDK error was made from (the SDK keeps it as `$response`). */
export function retryAfterOf(err: unknown): string | undefined {
  if (err instanceof S3ObjectError) return retryAfterOf(err.cause);
  const headers = (err as { $response?: { headers?: Record<string, string | undefined> } } | undefined)?.$response?.headers;
  return headers?.['retry-after'] ?? undefined;
}
