import { Agent, type Dispatcher } from 'undici';
import type { HttpLimits } from '../http/limits.js';
import { secureContextFor } from './ca-bundle.js';
import { S3TransportError } from './errors.js';
import { abortReason, unwatchAbort, watchAbort, type AbortWatcher } from './abort-watch.js';
import { ResponseBody } from './response-body.js';

/**
 * HTTP/1.1 to S3 endpoints over undici (Node's own HTTP client: fuzzed, strict parser): one Agent, a pool of
 * keep-alive connections per origin. undici refuses what a hostile or broken server may send (Transfer-Encoding
 * with Content-Length, a `100 Continue` nobody asked for, heads over 16 KiB, a body longer or shorter than its
 * Content-Length) and closes a connection after a HEAD, so a body sent late to a HEAD is never read as the next
 * answer. On top of undici, this file adds what the `http:` limits ask for:
 * - connect deadline (`connect_timeout`) and response-head deadline (`head_timeout`, from the request's start on
 *   its connection, 1xx heads included: an endless stream of them does not hold it open);
 * - a whole-request deadline when the request carries one (retry.ts's Attempt: `request_timeout`, capped by
 *   `give_up_after`), over the wait for a connection, the head and the body;
 * - the caller's abort signal, watched through abort-watch.ts (one listener on the run's signal for all requests);
 * - error answers (status >= 300) carry at most `max_error_body_bytes` of their body, then the connection is
 *   dropped (response-body.ts); a status outside 100-599 is refused;
 * - the low-speed limit on every body (response-body.ts), and undici's body idle timer at `low_speed_time`.
 * `maxResponseSize` is undici's per-Agent cap; one Agent carries downloads of any size and labels alike, so the
 * label cap is enforced where labels are read (client.ts readBody) instead.
 */

export interface TransportOptions {
  limits: HttpLimits;
  maxConnectionsPerOrigin: number;
  /** An unused kept connection is closed after this long (S3 closes them after about 20 s). */
  keepAliveMs: number;
  /** CAs to trust instead of Node's store (ca-bundle.ts); undefined: Node's. */
  ca?: string[];
}

export interface TransportRequest {
  /** `https://host:port` */
  origin: string;
  /** Path and query. */
  path: string;
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  signal?: AbortSignal;
  /**
   * The whole request's deadline (retry.ts's Attempt): past `at` (a Date.now() time), waiting for a connection,
   * for the head or for the body, the request fails with `error()`. Enforced here, beside the head deadline,
   * so a read needs no AbortController and timer of its own.
   */
  deadline?: { readonly at: number; error(): Error };
}

export interface TransportResponse {
  statusCode: number;
  statusText: string;
  /** Lower-case names; repeated fields joined with `, `. */
  headers: Record<string, string>;
  body: ResponseBody;
}

export class S3Transport {
  private readonly agent: Agent;

  constructor(private readonly options: TransportOptions) {
    const { limits } = options;
    const secureContext = options.ca ? secureContextFor(options.ca) : undefined;
    this.agent = new Agent({
      connections: options.maxConnectionsPerOrigin,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveMs,
      keepAliveMaxTimeout: options.keepAliveMs,
      headersTimeout: limits.headTimeoutMs,
      // No byte at all for low_speed_time is below any speed limit (undici does not count time paused by the reader).
      bodyTimeout: limits.lowSpeedTimeMs,
      connect: { timeout: limits.connectTimeoutMs, ...(secureContext ? { secureContext } : {}) },
    });
  }

  /** Sends the request; resolves with the answer's head once it has come, its body streaming after. */
  request(request: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      if (request.signal?.aborted) {
        reject(abortReason(request.signal));
        return;
      }
      const handler = new AnswerHandler(request, this.options.limits, resolve, reject);
      this.agent.dispatch({ origin: request.origin, path: request.path, method: request.method, headers: request.headers }, handler);
    });
  }

  /** Closes every connection; answers being read fail. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

/** undici's dispatch handler for one request: the head and whole-request deadlines, the abort signal, the body. */
class AnswerHandler implements Dispatcher.DispatchHandler, AbortWatcher {
  private controller?: Dispatcher.DispatchController;
  private body?: ResponseBody;
  private settled = false;
  private headTimer?: NodeJS.Timeout;
  private deadlineTimer?: NodeJS.Timeout;
  /** Failed while waiting for a connection: never sent. */
  private cancelled?: Error;

  constructor(
    private readonly request: TransportRequest,
    private readonly limits: HttpLimits,
    private readonly resolve: (response: TransportResponse) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    // Watched until the answer has ended or failed: an abort after its end has nothing left to stop.
    if (request.signal) watchAbort(request.signal, this);
    if (request.deadline) this.deadlineTimer = setTimeout(deadlineReached, Math.max(1, request.deadline.at - Date.now()), this);
  }

  /** The URL without its query, for messages and the body: made when asked. */
  private get url(): string {
    const { origin, path } = this.request;
    const query = path.indexOf('?');
    return `${origin}${query < 0 ? path : path.slice(0, query)}`;
  }

  signalAborted(reason: Error): void {
    this.abort(reason);
  }

  /** The whole-request deadline passed: whatever phase the request is in, it fails. */
  deadlineReached(): void {
    this.deadlineTimer = undefined;
    const reason = (this.request.deadline as NonNullable<TransportRequest['deadline']>).error();
    if (this.body) this.controller?.abort(reason);
    else this.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.cancelled) {
      controller.abort(this.cancelled);
      return;
    }
    // From the request's start on its connection (not its wait for one) to a final head; 1xx heads do not reset it.
    this.headTimer = setTimeout(headTimedOut, this.limits.headTimeoutMs, this);
  }

  headTimedOut(): void {
    this.controller?.abort(new S3TransportError('ERR_HEAD_TIMEOUT', this.url, `no response head within http.head_timeout = ${this.limits.headTimeoutMs / 1000} s`));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    if (statusCode >= 100 && statusCode < 200) return; // informational: the answer is still to come
    clearTimeout(this.headTimer);
    if (statusCode < 100 || statusCode > 599) {
      controller.abort(new S3TransportError('ERR_BAD_RESPONSE', this.url, `refused an answer with status ${String(statusCode).padStart(3, '0')}, which is no HTTP status`));
      return;
    }
    const cap = statusCode >= 300 ? this.limits.maxErrorBodyBytes : undefined;
    this.body = new ResponseBody(controller, this.url, { cap, bytesPerSecond: this.limits.lowSpeedBytesPerSecond, windowMs: this.limits.lowSpeedTimeMs });
    this.settled = true;
    this.resolve({ statusCode, statusText: statusMessage ?? '', headers: flatHeaders(headers), body: this.body });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.body?.receive(chunk);
  }

  onResponseEnd(): void {
    this.stopWatching();
    this.body?.complete();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    clearTimeout(this.headTimer);
    this.stopWatching();
    const failure = this.translate(err);
    if (this.body) {
      this.body.fail(failure);
      return;
    }
    if (!this.settled) {
      this.settled = true;
      this.reject(failure);
    }
  }

  private abort(reason: Error): void {
    if (this.controller) this.controller.abort(reason);
    else if (!this.settled) {
      // Still waiting for a connection: fail now; undici drops the request when its turn comes (onRequestStart).
      this.settled = true;
      this.cancelled = reason;
      this.stopWatching();
      this.reject(reason);
    }
  }

  /** The answer is over (ended, failed, or never to be sent): no deadline or abort can reach it any more. */
  private stopWatching(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    if (this.request.signal) unwatchAbort(this.request.signal, this);
  }

  /** undici's deadline errors under our codes, with the limit named; the rest as undici says. */
  private translate(err: Error): Error {
    const code = (err as { code?: string }).code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT') {
      return new S3TransportError('ERR_HEAD_TIMEOUT', this.url, `no response head within http.head_timeout = ${this.limits.headTimeoutMs / 1000} s`);
    }
    if (code === 'UND_ERR_BODY_TIMEOUT') {
      return new S3TransportError('ERR_LOW_SPEED', this.url, `no byte of the body for http.low_speed_time = ${this.limits.lowSpeedTimeMs / 1000} s`);
    }
    if ((err as { name?: string }).name === 'HTTPParserError' || code?.startsWith('HPE_')) {
      return new S3TransportError('ERR_BAD_RESPONSE', this.url, `refused an answer that is not valid HTTP/1.1: ${err.message}`);
    }
    // Socket errors are made by Node's core, which may be another realm than the SDK's (jest's vm modules): the
    // SDK keeps only errors that are `instanceof Error` of its own realm, so they are copied into one.
    if (!(err instanceof Error)) return Object.assign(new Error(String((err as Error).message)), { code, cause: err });
    return err;
  }
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

// Timer callbacks taking their handler as an argument: no closure a request.
function deadlineReached(handler: AnswerHandler): void {
  handler.deadlineReached();
}

function headTimedOut(handler: AnswerHandler): void {
  handler.headTimedOut();
}
