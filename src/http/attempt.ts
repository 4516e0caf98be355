import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Got } from 'got';
import { HttpRequestError } from './errors.js';
import { formatBytes, formatDuration, type HttpLimits } from './limits.js';
import { watchLowSpeed, type SpeedWatch } from './low-speed.js';

/**
 * One attempt of one request, no retry, no redirect followed: got with its retry off, the deadlines of
 * `limits` (connection, response head, and `deadlineMs` for the whole attempt), the body streamed and counted:
 * refused past its size limit (Content-Length checked first, then while reading), aborted below the low
 * speed, an error if it ends before its Content-Length or its last chunk. An error answer's body is read up
 * to http.max_error_body_bytes, the rest never. Every failure is an HttpRequestError (src/http/errors.ts).
 */

export type HttpMethod = 'GET' | 'POST' | 'HEAD';

export interface AttemptRequest {
  readonly method: HttpMethod;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** A JSON body (POST). */
  readonly json?: unknown;
}

/** The largest body accepted as an answer, and how to name a larger one. */
export interface BodyLimit {
  readonly bytes: number;
  /** Code of the error for a larger body: ERR_STAC_TOO_LARGE, ERR_LABEL_TOO_LARGE. */
  readonly code: string;
  /** Its key under `http:` for the message: max_page_bytes, max_label_bytes. */
  readonly key: string;
}

export interface AttemptOptions {
  readonly limits: HttpLimits;
  /** Deadline of the whole attempt (head and body), ms. */
  readonly deadlineMs: number;
  readonly body: BodyLimit;
  /** Statuses whose body is the answer; other bodies are error bodies. */
  readonly isAnswer: (status: number) => boolean;
  readonly signal?: AbortSignal;
}

export interface AttemptResult {
  readonly status: number;
  readonly statusMessage?: string;
  readonly headers: IncomingHttpHeaders;
  /** The answer's body, or the start of an error body; empty for redirects. */
  readonly body: Buffer;
  /** Where a redirect points (3xx with a Location), not followed here. */
  readonly location?: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Agents whose connections serve one request and close. */
const SINGLE_USE_AGENTS = { http: new http.Agent({ keepAlive: false }), https: new https.Agent({ keepAlive: false }) };

export function attempt(client: Got, request: AttemptRequest, options: AttemptOptions): Promise<AttemptResult> {
  const { method, url } = request;
  const { limits } = options;
  const fail = (kind: ConstructorParameters<typeof HttpRequestError>[0], detail: string, more: Partial<ConstructorParameters<typeof HttpRequestError>[2]> = {}) =>
    new HttpRequestError(kind, detail, { method, url, ...more });

  return new Promise<AttemptResult>((resolve, reject) => {
    let stream: ReturnType<Got['stream']>;
    try {
      stream = client.stream(url, {
        method,
        headers: request.headers,
        ...(request.json !== undefined ? { json: request.json } : {}),
        retry: { limit: 0 },
        throwHttpErrors: false,
        followRedirect: false,
        strictContentLength: true,
        signal: options.signal,
        // A HEAD's connection is never reused: a body a broken server sends after the answer would be read as the
        // next request's answer. (A `Connection: close` header is not enough: Node's keep-alive agent reuses it.)
        ...(method === 'HEAD' ? { agent: SINGLE_USE_AGENTS } : {}),
      });
    } catch (err) {
      // An href got refuses (not a URL, a header with a newline): this request cannot be made, ever.
      const e = err as Error & { code?: string };
      reject(fail('unreachable', `${e.message}${e.code ? ` (${e.code})` : ''}`, { networkCode: e.code, cause: err }));
      return;
    }
    let phase: 'head' | 'body' = 'head';
    let received = 0;
    let declared: number | undefined;
    let encoded = false;
    let watch: SpeedWatch | undefined;
    let settled = false;
    // An error answer being read: if its body breaks, the status is what matters.
    let errorAnswer: { result: AttemptResult; chunks: Buffer[] } | undefined;
    const deadline = setTimeout(() => {
      broken(fail('request-timeout', `no complete answer within ${formatDuration(options.deadlineMs)} (http.request_timeout; ${received} body bytes received)`));
    }, options.deadlineMs);
    deadline.unref();

    /** A failure while reading: an error answer keeps its status and the start of its body. */
    function broken(err: HttpRequestError): void {
      settle(errorAnswer ? { ...errorAnswer.result, body: Buffer.concat(errorAnswer.chunks) } : err);
    }

    function settle(outcome: AttemptResult | HttpRequestError | Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      watch?.stop();
      // Always destroyed (got's streams do not destroy themselves): that frees got's listener on the run's
      // signal. After a whole answer the socket is back in the keep-alive pool already; before (a redirect, an
      // error answer's rest, a failure) the connection is closed and the rest never read.
      stream.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    }

    stream.on('error', (err: Error & { code?: string; event?: string }) => {
      if (options.signal?.aborted) return settle(err);
      broken(classify(err, phase, received, declared, encoded, limits, fail));
    });

    stream.once('response', (response: { statusCode: number; statusMessage?: string; headers: IncomingHttpHeaders }) => {
      phase = 'body';
      const { statusCode: status, statusMessage, headers } = response;
      // Node's parser lets `000` or `099` through: no HTTP server sends them, so nothing of the answer is used.
      if (!(status >= 200 && status <= 599)) {
        return settle(fail('protocol', `the answer's status ${String(status).padStart(3, '0')} is not a final HTTP status`, { networkCode: 'ERR_HTTP_STATUS_INVALID' }));
      }
      const location = REDIRECTS.has(status) ? headerText(headers.location) : undefined;
      if (location !== undefined) return settle({ status, statusMessage, headers, body: Buffer.alloc(0), location });

      const answer = options.isAnswer(status);
      const max = answer ? options.body.bytes : limits.maxErrorBodyBytes;
      // A HEAD answer and 1xx/204/304 have no body, whatever their Content-Length says.
      declared = method === 'HEAD' || !hasBody(status) ? undefined : contentLengthOf(headers['content-length']);
      encoded = (headerText(headers['content-encoding']) ?? 'identity').toLowerCase() !== 'identity';
      const tooLarge = (note: string) =>
        fail('too-large', `the body is larger than http.${options.body.key} = ${formatBytes(options.body.bytes)} (${note})`, { code: options.body.code });
      if (answer && declared !== undefined && declared > max) return settle(tooLarge(`Content-Length: ${declared}`));

      const chunks: Buffer[] = [];
      if (!answer) errorAnswer = { result: { status, statusMessage, headers, body: Buffer.alloc(0) }, chunks };
      watch = watchLowSpeed(limits.lowSpeedBytesPerSecond, limits.lowSpeedTimeMs, (bytes) => {
        broken(fail('low-speed', `body stalled: fewer than ${formatBytes(limits.lowSpeedBytesPerSecond)}/s for ${formatDuration(limits.lowSpeedTimeMs)} (http.low_speed_limit, http.low_speed_time; ${bytes} bytes received)`));
      });
      stream.on('data', (chunk: Buffer) => {
        if (settled) return;
        received += chunk.length;
        watch?.add(chunk.length);
        if (received <= max) {
          chunks.push(chunk);
          return;
        }
        if (answer) return settle(tooLarge(`${received} bytes read and more coming`));
        // An error body: its start is enough for a message.
        chunks.push(chunk.subarray(0, chunk.length - (received - max)));
        settle({ status, statusMessage, headers, body: Buffer.concat(chunks) });
      });
      stream.once('end', () => {
        // got checks Content-Length (strictContentLength); a decoded body is counted after decoding, so only
        // an identity body can be checked here too.
        if (declared !== undefined && !encoded && received < declared) {
          return settle(fail('cut-short', `body cut short at ${received} of ${declared} bytes`));
        }
        settle({ status, statusMessage, headers, body: Buffer.concat(chunks) });
      });
    });
  });
}

/** A got or Node error as our failure kind, with the limit it broke. */
function classify(
  err: Error & { code?: string; event?: string },
  phase: 'head' | 'body',
  received: number,
  declared: number | undefined,
  encoded: boolean,
  limits: HttpLimits,
  fail: (kind: ConstructorParameters<typeof HttpRequestError>[0], detail: string, more?: Partial<ConstructorParameters<typeof HttpRequestError>[2]>) => HttpRequestError,
): HttpRequestError {
  const code = err.code;
  if (err.name === 'TimeoutError') {
    if (err.event === 'response') {
      return fail('head-timeout', `no response head within ${formatDuration(limits.headTimeoutMs)} (http.head_timeout)`, { cause: err });
    }
    if (err.event === 'lookup' || err.event === 'connect' || err.event === 'secureConnect') {
      return fail('connect-timeout', `no connection within ${formatDuration(limits.connectTimeoutMs)} (http.connect_timeout; ${err.event})`, { cause: err });
    }
  }
  if (code?.startsWith('HPE_')) {
    return fail('protocol', `the answer is not valid HTTP (${code}: ${err.message})`, { networkCode: code, cause: err });
  }
  if (phase === 'body' && (code === 'ERR_HTTP_CONTENT_LENGTH_MISMATCH' || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'EPIPE')) {
    const detail =
      declared !== undefined
        ? encoded
          ? `body cut short: the connection ended after ${received} decoded bytes of a ${declared}-byte encoded body`
          : `body cut short at ${received} of ${declared} bytes`
        : `body cut short: the connection ended after ${received} bytes, before the end of the body`;
    return fail('cut-short', detail, { networkCode: code, cause: err });
  }
  const words = code !== undefined ? NETWORK_WORDS[code] : undefined;
  const detail = words ? `${words} (${code})` : `${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`;
  return fail('unreachable', detail, { networkCode: code, cause: err });
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed for now',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  ETIMEDOUT: 'connection timed out',
};

function hasBody(status: number): boolean {
  return !(status < 200 || status === 204 || status === 304);
}

/** A Content-Length header's value as a number; undefined when absent or not digits (S3's heads, got's, undici's alike). */
export function contentLengthOf(value: string | string[] | undefined): number | undefined {
  const text = headerText(value);
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text);
}

export function headerText(value: string | string[] | undefined): string | undefined {
  return (Array.isArray(value) ? value[0] : value) || undefined;
}
