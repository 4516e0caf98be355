import type { Got } from 'got';
import type { Readable } from 'node:stream';
import { errorMessage } from '../errors.js';
import type { S3Settings } from '../s3/settings.js';
import { S3ObjectError } from '../s3/errors.js';
import type { LocatedHref, S3Href, S3Location } from '../s3/href.js';
import { contentLengthOf, headerText } from '../http/attempt.js';
import { clientSettings } from '../http/client.js';
import { HttpRequestError } from '../http/errors.js';
import { formatBytes, formatDuration } from '../http/limits.js';
import { watchLowSpeed } from '../http/low-speed.js';
import { httpRequest } from '../http/request.js';
import { DownloadError, type DownloadErrorCode } from './errors.js';

/**
 * Where an asset's bytes come from, behind one interface: an S3 object (through src/s3/client.ts, with the
 * pipeline's `s3` settings, so `s3.endpoint` moves it) or any other HTTP(S) href (through the run's got
 * instance). `head` says size and ETag without a body; `open` gives a body stream, optionally a range of it,
 * optionally only if the object still has an ETag. Error answers never become a body: they throw.
 */

export interface RemoteHead {
  /** Bytes of the object; undefined when an HTTP server does not say. */
  size?: number;
  etag?: string;
  /** As the server wrote it (compared as text between runs). */
  lastModified?: string;
  /** Whether ranged GETs are answered (S3 always; HTTP when it says `Accept-Ranges: bytes`). */
  ranges: boolean;
  /**
   * True when the ETag is the MD5 of the content: S3 objects, unless encrypted with KMS or a customer key
   * (SSE-KMS, SSE-C). Other servers' ETags are opaque. (A multipart ETag `…-N` is no MD5 either: verify.ts.)
   */
  etagIsMd5?: boolean;
}

export interface OpenOptions {
  /** Bytes `start` to `end` inclusive (`end` omitted: to the end). */
  range?: { start: number; end?: number };
  /** Only if the object still has this ETag: S3ObjectError ERR_S3_CHANGED / DownloadError ERR_DOWNLOAD_CHANGED otherwise. */
  ifMatch?: string;
  signal: AbortSignal;
}

export interface OpenedBody {
  body: Readable;
  /** Bytes the body should carry, when the server said. */
  contentLength?: number;
  /** True when the server sent the range asked for (206); false when it sent the whole object (200). */
  partial: boolean;
  etag?: string;
}

export interface ObjectSource {
  readonly href: string;
  readonly kind: 's3' | 'http';
  /** The S3 object, for `s3` sources. */
  readonly location?: S3Location;
  head(signal: AbortSignal): Promise<RemoteHead>;
  open(options: OpenOptions): Promise<OpenedBody>;
}

/**
 * The source for an href read once where the job was made (locateHref): S3 when it names an S3 object, HTTP(S)
 * otherwise. The S3 client is handed the located object, so no request parses the href again.
 */
export function objectSource(located: LocatedHref, run: { s3: S3Settings; http: Got }): ObjectSource {
  return located.kind === 's3' ? s3Source(located, run.s3) : httpSource(located.href, run.http);
}

function s3Source(object: S3Href, settings: S3Settings): ObjectSource {
  const { href, location } = object;
  // Loaded on first use (with undici and the S3 layer), which pipelines without S3 hrefs skip.
  const client = () => import('../s3/client.js');
  return {
    href,
    kind: 's3',
    location,
    async head(signal) {
      const { headObject, objectStream } = await client();
      try {
        const head = await headObject(settings, object, { signal });
        // S3 documents the single-part ETag as the MD5 only for unencrypted and SSE-S3 (AES256) objects.
        const etagIsMd5 = head.sseCustomerAlgorithm === undefined && (head.serverSideEncryption === undefined || head.serverSideEncryption === 'AES256');
        return { size: head.size, etag: head.etag, lastModified: head.lastModified?.toISOString(), ranges: true, etagIsMd5 };
      } catch (err) {
        // A HEAD's 404 or 403 has no body, so no S3 code (NoSuchKey, AccessDenied...): a GET tells it. Its error
        // body is read by the S3 client as an error, never as data; a body that does come is dropped unread.
        if (err instanceof S3ObjectError && (err.status === 404 || err.status === 403)) {
          const opened = await objectStream(settings, object, { signal }).catch((answer: unknown) => {
            throw answer instanceof S3ObjectError ? answer : err;
          });
          opened.body.destroy();
        }
        throw err;
      }
    },
    async open({ range, ifMatch, signal }) {
      const { objectStream } = await client();
      const opened = await objectStream(settings, object, { signal, range, ifMatch });
      return { body: opened.body, contentLength: opened.contentLength, partial: opened.partial, etag: opened.etag };
    },
  };
}

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

function httpSource(href: string, http: Got): ObjectSource {
  return {
    href,
    kind: 'http',
    async head(signal) {
      let response;
      try {
        // src/http/request.ts: the one retry loop (5xx, 429, network errors, deadlines), with the run's limits.
        // Its HEADs never leave their connection to the next request (a body sent late would be read as an answer).
        response = await httpRequest(
          http,
          { method: 'HEAD', url: href, headers: { 'accept-encoding': 'identity' } },
          {
            body: { bytes: 0, code: 'ERR_DOWNLOAD_HTTP', key: 'max_error_body_bytes' },
            // Some servers refuse HEAD: go on knowing nothing, the GET will tell the size.
            isAnswer: (status) => (status >= 200 && status < 300) || status === 405 || status === 501,
            signal,
          },
        );
      } catch (err) {
        if (signal.aborted || !(err instanceof HttpRequestError)) throw err;
        if (err.kind === 'status' && err.status !== undefined) throw httpStatus(href, err.status, err.statusMessage, false);
        const after = err.retries > 0 ? ` after ${err.retries} ${err.retries === 1 ? 'retry' : 'retries'}` : '';
        // A deadline keeps its own code (the same as S3's), so the report says which limit the server broke.
        const code = DEADLINE_CODES.has(err.code) ? (err.code as DownloadErrorCode) : 'ERR_DOWNLOAD_UNREACHABLE';
        throw new DownloadError(code, `cannot fetch ${href}${after}: ${err.summary}; check the network or the href, then run again`, { href, transient: false, cause: err });
      }
      const status = response.status;
      if (status === 405 || status === 501) return { ranges: false };
      return {
        size: contentLengthOf(response.headers['content-length']),
        etag: headerText(response.headers.etag),
        lastModified: headerText(response.headers['last-modified']),
        ranges: /\bbytes\b/i.test(headerText(response.headers['accept-ranges']) ?? ''),
      };
    },
    async open({ range, ifMatch, signal }) {
      const headers: Record<string, string> = { 'accept-encoding': 'identity' };
      if (range) headers.range = `bytes=${range.start}-${range.end ?? ''}`;
      if (ifMatch) headers['if-match'] = ifMatch;
      // No got retries here: a stream cannot be replayed; the engine retries from where the bytes stopped.
      const stream = http.stream(href, { signal, headers, throwHttpErrors: false, decompress: false, retry: { limit: 0 } });
      const response = await new Promise<{ statusCode: number; statusMessage?: string; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
        stream.once('response', resolve);
        stream.once('error', reject);
      }).catch((err: unknown) => {
        stream.destroy();
        if (signal.aborted) throw signal.reason ?? err;
        const { event } = err as { event?: string };
        // The head deadline (got's `response` timeout, set on the run's instance from http.head_timeout).
        if (event === 'response') {
          const limit = formatDuration(clientSettings(http).limits.headTimeoutMs);
          throw new DownloadError('ERR_HEAD_TIMEOUT', `cannot fetch ${href}: no response head within ${limit} (http.head_timeout); run again to resume`, { href, transient: true, cause: err });
        }
        throw unreachable(href, err, true);
      });
      const status = response.statusCode;
      if (status === 412 || status === 416) {
        stream.destroy();
        throw new DownloadError('ERR_DOWNLOAD_CHANGED', `${href}: HTTP ${status}: the file changed on the server since the download began; it will be fetched again from the start`, { href, status });
      }
      if (status !== 200 && status !== 206) {
        stream.destroy();
        throw httpStatus(href, status, response.statusMessage, TRANSIENT_STATUS.has(status));
      }
      // got's streams never destroy themselves: once read to its end, the body is, which frees got's listener on
      // the run's signal (one per download otherwise, for the whole run).
      stream.once('end', () => stream.destroy());
      watchBodySpeed(stream, href, clientSettings(http).limits);
      return {
        body: stream,
        contentLength: contentLengthOf(response.headers['content-length']),
        partial: status === 206,
        etag: headerText(response.headers.etag),
      };
    },
  };
}

const DEADLINE_CODES = new Set(['ERR_HEAD_TIMEOUT', 'ERR_LOW_SPEED', 'ERR_REQUEST_TIMEOUT']);

/**
 * curl's --speed-limit on a download body (http.low_speed_limit over http.low_speed_time): a body that trickles
 * or stalls is destroyed with ERR_LOW_SPEED, which the engine retries from the last byte written like a cut.
 */
function watchBodySpeed(stream: Readable, href: string, limits: { lowSpeedBytesPerSecond: number; lowSpeedTimeMs: number }): void {
  const watch = watchLowSpeed(limits.lowSpeedBytesPerSecond, limits.lowSpeedTimeMs, (received) => {
    const what = `${formatBytes(limits.lowSpeedBytesPerSecond)}/s (http.low_speed_limit) for ${formatDuration(limits.lowSpeedTimeMs)} (http.low_speed_time)`;
    stream.destroy(new DownloadError('ERR_LOW_SPEED', `${href}: the body came slower than ${what}, ${received} bytes in all; retrying from the last byte written`, { href, transient: true }));
  });
  // got's progress events count the bytes as they are read, without a 'data' listener (which would start the
  // stream flowing before the engine reads it).
  let seen = 0;
  stream.on('downloadProgress', ({ transferred }: { transferred: number }) => {
    watch.add(transferred - seen);
    seen = transferred;
  });
  stream.once('close', () => watch.stop());
}


function httpStatus(href: string, status: number, statusMessage: string | undefined, transient: boolean): DownloadError {
  const advice = status === 404 ? 'the item advertises a file the server does not have; nothing was written'
    : status === 401 || status === 403 ? 'the server refuses to serve this file without credentials; nothing was written'
      : transient ? 'the server is failing or overloaded; run again later to resume' : 'check the href';
  return new DownloadError('ERR_DOWNLOAD_HTTP', `HTTP ${status}${statusMessage ? ` ${statusMessage}` : ''} from ${href} — ${advice}`, { href, status, transient });
}

function unreachable(href: string, err: unknown, transient: boolean): DownloadError {
  const code = (err as { code?: string } | undefined)?.code;
  const detail = code && !errorMessage(err).includes(code) ? ` (${code})` : '';
  return new DownloadError('ERR_DOWNLOAD_UNREACHABLE', `cannot fetch ${href}: ${errorMessage(err)}${detail}; check the network or the href, then run again`, { href, transient, cause: err });
}
