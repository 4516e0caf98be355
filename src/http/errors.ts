import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorClass } from '../entry.js';
import { StacflowError } from '../errors.js';
import { isRetryable } from './retry-policy.js';

/**
 * How one request through src/http/request.ts failed. Its `code` is stable:
 * - `ERR_HTTP_STATUS`      an error status (`status`, the start of the error body in `errorBody`);
 * - `ERR_HTTP_UNREACHABLE` no answer: refused, reset, DNS (`networkCode`: ECONNREFUSED, ENOTFOUND...);
 * - `ERR_CONNECT_TIMEOUT`  no connection within http.connect_timeout;
 * - `ERR_HEAD_TIMEOUT`     no response head within http.head_timeout (a server silent, or sending 100 Continue forever);
 * - `ERR_LOW_SPEED`        a body slower than http.low_speed_limit for http.low_speed_time;
 * - `ERR_REQUEST_TIMEOUT`  no complete answer within http.request_timeout;
 * - `ERR_BODY_CUT_SHORT`   the connection ended before the body did (fewer bytes than Content-Length, or a chunked body cut);
 * - the caller's code (`ERR_STAC_TOO_LARGE`, `ERR_LABEL_TOO_LARGE`) for a body over its size limit;
 * - `ERR_HTTP_PROTOCOL`    the answer is not valid HTTP (a head or trailers too large, a broken chunk);
 * - `ERR_HTTP_REDIRECTS`   too many redirects, or one to something that is not http(s).
 * Callers turn it into their own error (StacApiError, LabelError, DownloadError) keeping the deadline and size
 * codes. `errorClass` is `retryable` for what another attempt may cure; the loop's final error is `item`: the
 * caller decides whether the request's failure ends an item or the run.
 */
export type HttpFailureKind =
  | 'status'
  | 'unreachable'
  | 'connect-timeout'
  | 'head-timeout'
  | 'low-speed'
  | 'request-timeout'
  | 'cut-short'
  | 'too-large'
  | 'protocol'
  | 'redirects';

const CODES: Record<Exclude<HttpFailureKind, 'too-large'>, string> = {
  status: 'ERR_HTTP_STATUS',
  unreachable: 'ERR_HTTP_UNREACHABLE',
  'connect-timeout': 'ERR_CONNECT_TIMEOUT',
  'head-timeout': 'ERR_HEAD_TIMEOUT',
  'low-speed': 'ERR_LOW_SPEED',
  'request-timeout': 'ERR_REQUEST_TIMEOUT',
  'cut-short': 'ERR_BODY_CUT_SHORT',
  protocol: 'ERR_HTTP_PROTOCOL',
  redirects: 'ERR_HTTP_REDIRECTS',
};

export interface HttpFailureDetails {
  method: string;
  url: string;
  /** The code of a `too-large` failure (the caller's: ERR_STAC_TOO_LARGE...). */
  code?: string;
  status?: number;
  statusMessage?: string;
  headers?: IncomingHttpHeaders;
  /** At most http.max_error_body_bytes of an error answer's body. */
  errorBody?: Buffer;
  /** The network's code (ECONNREFUSED, ENOTFOUND, HPE_HEADER_OVERFLOW...). */
  networkCode?: string;
  /** Retries made before this error was final. */
  retries?: number;
  /** Why no further attempt was made, when it is not simply that the retries are spent or it cannot help. */
  why?: string;
  cause?: unknown;
  errorClass?: ErrorClass;
}

export class HttpRequestError extends StacflowError {
  readonly kind: HttpFailureKind;
  readonly method: string;
  readonly url: string;
  /** What happened, without the request: `body cut short at 500 of 1000 bytes`. */
  readonly detail: string;
  readonly status?: number;
  readonly statusMessage?: string;
  readonly headers?: IncomingHttpHeaders;
  readonly errorBody?: Buffer;
  readonly networkCode?: string;
  readonly retries: number;
  readonly why?: string;

  constructor(kind: HttpFailureKind, detail: string, details: HttpFailureDetails) {
    const code = kind === 'too-large' ? (details.code ?? 'ERR_HTTP_TOO_LARGE') : CODES[kind];
    const retryable = isRetryable(kind === 'status' ? { status: details.status } : { code: kind === 'unreachable' ? details.networkCode : code });
    super(code, `${details.method} ${details.url}: ${detail}${details.why ? `; ${details.why}` : ''}`, {
      cause: details.cause,
      errorClass: details.errorClass ?? (retryable ? 'retryable' : 'item'),
    });
    this.kind = kind;
    this.method = details.method;
    this.url = details.url;
    this.detail = detail;
    this.status = details.status;
    this.statusMessage = details.statusMessage;
    this.headers = details.headers;
    this.errorBody = details.errorBody;
    this.networkCode = details.networkCode;
    this.retries = details.retries ?? 0;
    this.why = details.why;
  }

  /** `detail`, then why it was not tried again when there is a reason to say. */
  get summary(): string {
    return this.why ? `${this.detail}; ${this.why}` : this.detail;
  }

  /** What the retry policy judges: the status of an error answer, the network's code, or ours. */
  get retryInput(): { status?: number; code?: string } {
    if (this.kind === 'status') return { status: this.status };
    return { code: this.kind === 'unreachable' ? this.networkCode : this.code };
  }

  /** This failure as the request's last word, after `retries` retries; `why` no attempt followed, if worth saying. */
  final(retries: number, why?: string): HttpRequestError {
    return new HttpRequestError(this.kind, this.detail, {
      why,
      method: this.method,
      url: this.url,
      code: this.code,
      status: this.status,
      statusMessage: this.statusMessage,
      headers: this.headers,
      errorBody: this.errorBody,
      networkCode: this.networkCode,
      retries,
      cause: this.cause,
      errorClass: 'item',
    });
  }
}
