import type { ErrorClass } from '../entry.js';
import { errorMessage, StacflowError } from '../errors.js';
import type { S3Location } from './href.js';

/**
 * Errors of S3 reads. An object that is missing or forbidden spoils one item (`item`); a server or network
 * failure (5xx, throttling, a refused or reset connection, a deadline or the low-speed limit broken) is
 * `retryable`: tried again by the layer that owns the request (client.ts for small reads, the download engine
 * for bodies), and still retryable once the attempts are spent (a later run may succeed). The message names
 * the href, the object and, when not AWS, the endpoint, and says what to do.
 */

export type S3ObjectErrorCode =
  /** 404: NoSuchKey, NoSuchBucket (or a HEAD's bodiless NotFound). */
  | 'ERR_S3_NOT_FOUND'
  /** 403: AccessDenied, AllAccessDisabled... (anonymous reads of a bucket that is not public). */
  | 'ERR_S3_ACCESS_DENIED'
  /** 5xx, throttling (SlowDown), refused or reset connections, after the retries. */
  | 'ERR_S3_UNAVAILABLE'
  /**
   * An answer that is not HTTP, refused by undici's parser (Transfer-Encoding with Content-Length, a status
   * outside 100-599, a head or trailers over its limit): not retried, as for the STAC API (src/http/): a server
   * or proxy that answers so does it again, and each retry would only wait.
   */
  | 'ERR_S3_BAD_RESPONSE'
  /** No response head within http.head_timeout (or a stream of 1xx heads that never ends). */
  | 'ERR_HEAD_TIMEOUT'
  /** A body slower than http.low_speed_limit for http.low_speed_time (curl's --speed-limit/--speed-time). */
  | 'ERR_LOW_SPEED'
  /** A small read (label, HEAD) not done within http.request_timeout, or past http.give_up_after. */
  | 'ERR_REQUEST_TIMEOUT'
  /** 412: the object changed (If-Match failed). */
  | 'ERR_S3_CHANGED'
  /** The object is larger than the caller accepts in memory. */
  | 'ERR_S3_TOO_LARGE'
  /** Any other refusal (400, 416 InvalidRange, 301 to another region...). */
  | 'ERR_S3_REQUEST';

export interface S3ObjectErrorDetails {
  /** The href as the item wrote it (or `s3://bucket/key` when given a location). */
  href: string;
  location: S3Location;
  /** The endpoint when not AWS (e.g. the sandbox). */
  endpoint?: string;
  status?: number;
  /** S3's own error code: `NoSuchKey`, `AccessDenied`, `SlowDown`, `NotFound` (HEAD)... or a Node code (`ECONNREFUSED`). */
  s3Code?: string;
  requestId?: string;
  /** Attempts made (client.ts retries small reads: 5xx, throttling, network errors, deadlines, cut bodies). */
  attempts?: number;
  cause?: unknown;
}

/** An S3 read failed. Never carries the error body as data: only its code and message. */
export class S3ObjectError extends StacflowError {
  override readonly code: S3ObjectErrorCode;
  readonly href: string;
  readonly bucket: string;
  readonly key: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly status?: number;
  readonly s3Code?: string;
  readonly requestId?: string;
  readonly attempts?: number;

  constructor(code: S3ObjectErrorCode, message: string, details: S3ObjectErrorDetails, errorClass: ErrorClass = classOf(code)) {
    super(code, message, { cause: details.cause, errorClass });
    this.code = code;
    this.href = details.href;
    this.bucket = details.location.bucket;
    this.key = details.location.key;
    this.region = details.location.region;
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.s3Code = details.s3Code;
    this.requestId = details.requestId;
    this.attempts = details.attempts;
  }
}

/** An href given to the S3 client is not an S3 object URL (see href.ts for the forms). */
export class S3HrefError extends StacflowError {
  readonly href: string;

  constructor(href: string) {
    super('ERR_S3_HREF', `${href}: not an S3 object URL (expected s3://bucket/key, https://bucket.s3[.-]region.amazonaws.com/key or https://s3[.-]region.amazonaws.com/bucket/key)`);
    this.href = href;
  }
}

/** Transport failures of one request (request-handler.ts): a deadline or the low-speed limit broken, an answer that is not HTTP. */
export type S3TransportErrorCode = 'ERR_HEAD_TIMEOUT' | 'ERR_LOW_SPEED' | 'ERR_REQUEST_TIMEOUT' | 'ERR_BAD_RESPONSE';

/**
 * One request to an S3 endpoint broke a limit (retryable) or got an answer that is not HTTP (ERR_BAD_RESPONSE:
 * not retried); `url` is the request's URL (client.ts turns it into an S3ObjectError naming the item's href).
 * The message names the limit and its `http:` key.
 */
export class S3TransportError extends StacflowError {
  override readonly code: S3TransportErrorCode;
  readonly url: string;

  constructor(code: S3TransportErrorCode, url: string, message: string) {
    super(code, `${url}: ${message}`, { errorClass: code === 'ERR_BAD_RESPONSE' ? 'item' : 'retryable' });
    this.code = code;
    this.url = url;
  }
}

const RETRYABLE = new Set<S3ObjectErrorCode>(['ERR_S3_UNAVAILABLE', 'ERR_HEAD_TIMEOUT', 'ERR_LOW_SPEED', 'ERR_REQUEST_TIMEOUT']);
const classOf = (code: S3ObjectErrorCode): ErrorClass => (RETRYABLE.has(code) ? 'retryable' : 'item');

/** S3 error codes that mean "slow down / try later", whatever the status. */
const TRANSIENT = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottled', 'RequestThrottledException',
  'TooManyRequestsException', 'RequestLimitExceeded', 'BandwidthLimitExceeded', 'RequestTimeout', 'RequestTimeoutException',
  'TimeoutError', 'ServiceUnavailable', 'InternalError',
]);

/**
 * Node/socket and undici error codes of a request that got no answer, or a body cut short: refused, reset, a
 * connect timeout, fewer bytes than Content-Length.
 */
const NETWORK = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_CLOSED', 'UND_ERR_INFO',
]);

/** An answer that is not HTTP: the transport's refusal, undici's parser (`HPE_*`), a head or trailers too large. */
const NOT_HTTP = /^(ERR_BAD_RESPONSE|UND_ERR_HEADERS_OVERFLOW|HPE_[A-Z_]+)$/;

/** Transport codes kept as the S3 error's own code (the limit broken says more than "unavailable"). */
const DEADLINES = new Set<string>(['ERR_HEAD_TIMEOUT', 'ERR_LOW_SPEED', 'ERR_REQUEST_TIMEOUT']);

/** What to tell the user, per error code. */
const ADVICE: Record<S3ObjectErrorCode, (endpoint?: string) => string> = {
  ERR_S3_NOT_FOUND: (endpoint) => endpoint
    ? `the object is not at ${endpoint}; check that s3.endpoint is the server that holds it (the stacflow sandbox holds only its items' caminfo_pvl and image objects)`
    : 'the item advertises an object the bucket does not hold; nothing to retry, report it to the data provider if it persists',
  ERR_S3_ACCESS_DENIED: () => 'anonymous reads are refused for this object; if the bucket needs credentials, set s3.anonymous: false and provide AWS credentials',
  ERR_S3_UNAVAILABLE: (endpoint) => `S3${endpoint ? ` at ${endpoint}` : ''} did not answer after the retries; run again later`,
  ERR_S3_BAD_RESPONSE: (endpoint) => `${endpoint ?? 'the S3 endpoint'} answered with something that is not HTTP (not retried); check that nothing (a proxy, another server) sits in its place`,
  ERR_HEAD_TIMEOUT: (endpoint) => `S3${endpoint ? ` at ${endpoint}` : ''} did not answer in time after the retries; run again later, or raise http.head_timeout`,
  ERR_LOW_SPEED: (endpoint) => `S3${endpoint ? ` at ${endpoint}` : ''} sent too slowly after the retries; run again later, or lower http.low_speed_limit`,
  ERR_REQUEST_TIMEOUT: (endpoint) => `S3${endpoint ? ` at ${endpoint}` : ''} did not answer in time after the retries; run again later, or raise http.request_timeout`,
  ERR_S3_CHANGED: () => 'the object changed while it was being read; run again to read the new version',
  ERR_S3_TOO_LARGE: () => 'the object is too large to read into memory; download it instead',
  ERR_S3_REQUEST: (endpoint) => `S3${endpoint ? ` at ${endpoint}` : ''} refused the request; check the href and the s3 settings (region, endpoint)`,
};

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  $response?: { statusCode?: number };
}

/**
 * Turns what the SDK (or the transport under it) threw into an S3ObjectError: the HTTP status and S3 code decide
 * the class. `attemptsMade` (client.ts's retry loop) goes into the message. A pure function of the error, so
 * every branch can be tested without a server.
 */
export function toS3ObjectError(err: unknown, where: { href: string; location: S3Location; endpoint?: string }, attemptsMade?: number): S3ObjectError {
  if (err instanceof S3ObjectError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  // Our own transport errors have a code, not an S3 name.
  const s3Code = err instanceof StacflowError ? undefined : e.Code ?? (e.name && e.name !== 'Error' && !e.name.startsWith('Unknown') ? e.name : undefined) ?? e.code;
  const code = codeFor(status, s3Code, e);
  const attempts = attemptsMade ?? e.$metadata?.attempts;
  const object = `s3://${where.location.bucket}/${where.location.key}`;
  const source = where.href === object ? object : `${where.href} (${object})`;
  const what = [s3Code ?? (err instanceof StacflowError ? e.code : undefined), status !== undefined ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
  const reason = sdkMessage(e, err);
  const tries = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
  const message = `${source}: ${what || 'request failed'}${tries}${reason ? `: ${reason}` : ''} — ${ADVICE[code](where.endpoint)}`;
  return new S3ObjectError(code, message, {
    ...where,
    status,
    s3Code,
    requestId: e.$metadata?.requestId,
    attempts,
    cause: err,
  });
}

function codeFor(status: number | undefined, s3Code: string | undefined, e: SdkErrorShape): S3ObjectErrorCode {
  if (status === 404 || s3Code === 'NoSuchKey' || s3Code === 'NoSuchBucket' || s3Code === 'NotFound') return 'ERR_S3_NOT_FOUND';
  if (status === 403 || s3Code === 'AccessDenied' || s3Code === 'Forbidden') return 'ERR_S3_ACCESS_DENIED';
  if (status === 412 || s3Code === 'PreconditionFailed') return 'ERR_S3_CHANGED';
  if (status !== undefined && (status >= 500 || status === 429 || status === 408)) return 'ERR_S3_UNAVAILABLE';
  if (s3Code !== undefined && TRANSIENT.has(s3Code)) return 'ERR_S3_UNAVAILABLE';
  if (e.code !== undefined && DEADLINES.has(e.code)) return e.code as S3ObjectErrorCode;
  if (status === undefined && e.code !== undefined && NOT_HTTP.test(e.code)) return 'ERR_S3_BAD_RESPONSE';
  // No answer at all: a socket error (ECONNREFUSED, ECONNRESET, EAI_AGAIN...), a connect timeout.
  if (status === undefined && e.code !== undefined && (NETWORK.has(e.code) || /^E[A-Z_]+$/.test(e.code))) return 'ERR_S3_UNAVAILABLE';
  return 'ERR_S3_REQUEST';
}

/** The SDK's message (its first line: not the hint it appends to errors it could not parse), unless it is the meaningless "UnknownError" of a bodiless answer (HEAD). */
function sdkMessage(e: SdkErrorShape, err: unknown): string {
  const text = (e.message ?? errorMessage(err)).split('\n')[0].trim();
  return text === 'UnknownError' || text === '' ? '' : text;
}

