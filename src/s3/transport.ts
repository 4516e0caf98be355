import { Agent, type Dispatcher } from 'undici';
import type { HttpLimits } from '../http/limits.js';
import { secureContextFor } from './ca-bundle.js';
import { S3TransportError } from './errors.js';
import { ResponseBody } from './response-body.js';

/**
 * HTTP/1.1 to S3 endpoints over undici (Node's own HTTP client: fuzzed, strict parser): one Agent, a pool of
 * keep-alive connections per origin. undici refuses what a hostile or broken server may send (Transfer-Encoding
 * with Content-Length, a `100 Continue` nobody asked for, heads over 16 KiB, a body longer or shorter than its
 * Content-Length) and closes a connection after a HEAD, so a body sent late to a HEAD is never read as the next
 * answer. On top of undici, this file adds what the `http:` limits ask for:
 * - connect deadline (`connect_timeout`) and response-head deadline (`head_timeout`, from the request's start on
 *   its connection, 1xx heads included: an endless stream of them does not hold it open);
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
      const handler = new AnswerHandler(request, this.options.limits, resolve, reject);
      if (request.signal?.aborted) {
        reject(abortReason(request.signal));
        return;
      }
      this.agent.dispatch({ origin: request.origin, path: request.path, method: request.method, headers: request.headers }, handler);
    });
  }

  /** Closes every connection; answers being read fail. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

/** undici's dispatch handler for one request: the head deadline, the abort signal, the body. */
class AnswerHandler implements Dispatcher.DispatchHandler {
  private controller?: Dispatcher.DispatchController;
  private body?: ResponseBody;
  private settled = false;
  private headTimer?: NodeJS.Timeout;
  private readonly url: string;
  private readonly onAbort = () => this.abort(abortReason(this.request.signal as AbortSignal));

  constructor(
    private readonly request: TransportRequest,
    private readonly limits: HttpLimits,
    private readonly resolve: (response: TransportResponse) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.url = `${request.origin}${request.path.replace(/\?.*$/, '')}`;
    request.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.request.signal?.aborted) {
      controller.abort(abortReason(this.request.signal));
      return;
    }
    // From the request's start on its connection (not its wait for one) to a final head; 1xx heads do not reset it.
    this.headTimer = setTimeout(() => {
      controller.abort(new S3TransportError('ERR_HEAD_TIMEOUT', this.url, `no response head within http.head_timeout = ${this.limits.headTimeoutMs / 1000} s`));
    }, this.limits.headTimeoutMs);
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
    // The abort signal stays on the body until it ends.
    this.body.once('close', () => this.request.signal?.removeEventListener('abort', this.onAbort));
    this.settled = true;
    this.resolve({ statusCode, statusText: statusMessage ?? '', headers: flatHeaders(headers), body: this.body });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.body?.receive(chunk);
  }

  onResponseEnd(): void {
    this.body?.complete();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    clearTimeout(this.headTimer);
    const failure = this.translate(err);
    if (this.body) {
      this.body.fail(failure);
      return;
    }
    this.request.signal?.removeEventListener('abort', this.onAbort);
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
      this.reject(reason);
    }
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
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** The signal's reason when it is an error (a deadline of ours, the run's cancellation), else an AbortError. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error('the request was aborted', { cause: reason }), { name: 'AbortError' });
}
