import { EntryError } from '../errors.js';
import type { S3ObjectError } from '../s3/errors.js';

/**
 * Why one asset of an item could not be downloaded. A failure of that item (errorClass 'item'): the run goes
 * on, the entry carries the failure, the item's other assets still download. S3 refusals keep the S3 client's
 * own code and message (`ERR_S3_NOT_FOUND` for NoSuchKey, `ERR_S3_ACCESS_DENIED`...); these are the others.
 */
export type DownloadErrorCode =
  /** The `to` template would put the file outside its root, or a value (id, collection, key, filename) is unsafe. */
  | 'ERR_DOWNLOAD_PATH'
  /** The item has no asset of that key (`required: true`). */
  | 'ERR_DOWNLOAD_NO_ASSET'
  /** The bytes received are not as many as the server announced (after every retry). */
  | 'ERR_DOWNLOAD_SIZE'
  /** The body kept ending short (connection cut) after every attempt: the `.part` is kept, a later run resumes it. */
  | 'ERR_DOWNLOAD_INCOMPLETE'
  /** Two assets would be written to the same local path (a `to` without {id}, {asset} or {filename}). */
  | 'ERR_DOWNLOAD_COLLISION'
  /** MD5 (single-part ETag) or `file:checksum` differ from the bytes received: the file was not kept. */
  | 'ERR_DOWNLOAD_CHECKSUM'
  /** A plain HTTP(S) href answered an error status (after the run's retries). */
  | 'ERR_DOWNLOAD_HTTP'
  /** No answer, or the connection kept breaking, after every attempt: a later run resumes the `.part`. */
  | 'ERR_DOWNLOAD_UNREACHABLE'
  /** The object changed while it was read (If-Match failed) more often than the attempts allow. */
  | 'ERR_DOWNLOAD_CHANGED'
  /** The local file system refused (disk full, permissions). */
  | 'ERR_DOWNLOAD_WRITE'
  /** A plain HTTP(S) href: no response head within http.head_timeout (after every attempt). */
  | 'ERR_HEAD_TIMEOUT'
  /** A plain HTTP(S) href: the body came slower than http.low_speed_limit for http.low_speed_time. */
  | 'ERR_LOW_SPEED'
  /** A plain HTTP(S) href: the HEAD did not complete within http.request_timeout. */
  | 'ERR_REQUEST_TIMEOUT';

export class DownloadError extends EntryError {
  override readonly code: DownloadErrorCode;
  /** The asset key this error is about. */
  readonly asset?: string;
  /** True when another attempt may succeed (a cut body, a 5xx, a reset): the engine retries those. */
  readonly transient: boolean;

  constructor(
    code: DownloadErrorCode,
    message: string,
    options: { href?: string; status?: number; asset?: string; transient?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, { href: options.href, status: options.status, cause: options.cause });
    this.code = code;
    this.asset = options.asset;
    this.transient = options.transient ?? false;
  }
}

/**
 * An S3 client error (NoSuchKey, AccessDenied...) as a failure of the entry: its code, message (href, S3 code,
 * advice) and status kept, the asset named, the href on the failure for the report.
 */
export function s3Failure(err: S3ObjectError, asset: string): EntryError {
  return new EntryError(err.code, `asset ${asset}: ${err.message}`, { href: err.href, status: err.status, cause: err });
}
