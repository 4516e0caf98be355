import type { Got } from 'got';
import { clientSettings } from '../http/client.js';
import { HttpRequestError } from '../http/errors.js';
import { httpRequest } from '../http/request.js';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import { DEFAULT_LIMITS } from '../http/limits.js';
import type { S3Settings } from '../s3/settings.js';
import { decodePvlBytes } from '../pvl/decode.js';
import { S3ObjectError } from '../s3/errors.js';
import type { ConditionalReadOptions } from '../s3/client.js';
import { locateHref, type S3Href } from '../s3/href.js';
import type { LabelCache } from './cache.js';
import { LABEL_HTTP, LABEL_UNREACHABLE, LabelError } from './errors.js';

/** What reading a label needs from the run. */
export interface LabelReader {
  readonly http: Got;
  readonly s3: S3Settings;
  readonly signal: AbortSignal;
  readonly cache?: LabelCache;
  /** Where a cache that cannot be written is reported (the label itself was read: no failure). */
  readonly log?: Logger;
}

/** A label's text and how it was got. */
export interface LabelText {
  readonly href: string;
  readonly text: string;
  readonly etag?: string;
  /** Body bytes transferred: 0 when the cache answered. */
  readonly bytes: number;
  /** The server said the cached copy is current (304 to If-None-Match). */
  readonly fromCache: boolean;
}

/** What one backend (S3 or HTTP) answered: a body, or "the copy you have is current". */
type Answer = { notModified: true } | { notModified: false; text: string; etag?: string; bytes: number };

/**
 * Reads a label's text. Hrefs that are S3 objects (every form src/s3/href.ts knows) go through the S3
 * client with the pipeline's `s3` settings, so `s3.endpoint` moves them; other hrefs through the run's got
 * instance (its retries, timeouts, User-Agent). With a cache: the cached ETag is sent as If-None-Match; a
 * 304 serves the cached text, a 200 replaces it. Bytes are decoded as PVL input (decodePvlBytes: UTF-8 with
 * CR LF → LF, else the ASCII prefix), from S3 and HTTP alike.
 * Throws LabelError with the href and status: ERR_LABEL_HTTP, ERR_LABEL_UNREACHABLE, or the S3 client's
 * code (ERR_S3_NOT_FOUND for NoSuchKey, ERR_S3_ACCESS_DENIED, ERR_S3_UNAVAILABLE...) and message.
 */
export async function readLabelText(href: string, reader: LabelReader): Promise<LabelText> {
  const cached = reader.cache ? await reader.cache.get(href) : undefined;
  // Parsed once: the S3 client is handed the located object instead of parsing the href again.
  const located = locateHref(href);
  const answer = located.kind === 's3'
    ? await fromS3(located, reader, cached?.etag)
    : await fromHttp(href, reader, cached?.etag);
  if (answer.notModified) {
    // Only sent when we had a cached copy; a server answering 304 to nothing is an error.
    if (!cached) throw new LabelError(LABEL_HTTP, `304 Not Modified without a conditional request for ${href}`, { href, status: 304 });
    return { href, text: cached.text, etag: cached.etag, bytes: 0, fromCache: true };
  }
  if (reader.cache && answer.etag) {
    await reader.cache.put({ href, etag: answer.etag, text: answer.text }).catch((err: unknown) => {
      reader.log?.warn({ href, dir: reader.cache?.dir, err: errorMessage(err) }, `label cache not written for ${href}: ${errorMessage(err)}`);
    });
  }
  return { href, text: answer.text, etag: answer.etag, bytes: answer.bytes, fromCache: false };
}

/** The S3 client module, imported once (a dynamic import per label costs 10–20 µs), then held as is. */
let s3Client: Promise<typeof import('../s3/client.js')> | undefined;
let s3ClientLoaded: typeof import('../s3/client.js') | undefined;

async function fromS3(located: S3Href, reader: LabelReader, etag: string | undefined): Promise<Answer> {
  const { href } = located;
  // Loaded on first use (with undici and the S3 layer), which commands and pipelines without S3 skip.
  const { getObjectBytes } = s3ClientLoaded ?? (s3ClientLoaded = await (s3Client ??= import('../s3/client.js')));
  // The S3 client retries (a failed request, a body cut short: from the start) and stops reading at the limit.
  const maxBytes = (reader.s3.limits ?? DEFAULT_LIMITS).maxLabelBytes;
  // Without an ETag (ifNoneMatch undefined) the read is unconditional and never answers notModified.
  const read = { signal: reader.signal, maxBytes, maxBytesSetting: 'http.max_label_bytes', ifNoneMatch: etag || undefined } as ConditionalReadOptions;
  try {
    const object = await getObjectBytes(reader.s3, located, read);
    if (object.notModified) return { notModified: true };
    return { notModified: false, text: decodePvlBytes(object.body).text, etag: object.etag, bytes: object.body.byteLength };
  } catch (err) {
    if (err instanceof S3ObjectError) {
      // The S3 client's message already names the href, the object, S3's code (or the limit) and what to do.
      const code = err.code === 'ERR_S3_TOO_LARGE' ? LABEL_TOO_LARGE : err.code;
      throw new LabelError(code, err.message, { href, status: err.status, cause: err });
    }
    throw new LabelError(LABEL_UNREACHABLE, `cannot read ${href}: ${errorMessage(err)}`, { href, cause: err });
  }
}

/**
 * A label over plain HTTP(S), through src/http/request.ts: the run's retries (5xx, 429, resets, deadlines, a
 * body cut short or stalled), and a body over http.max_label_bytes refused before it is read whole
 * (ERR_LABEL_TOO_LARGE, not retried). Every failure fails the label's item, keeping the deadline codes.
 */
async function fromHttp(href: string, reader: LabelReader, etag: string | undefined): Promise<Answer> {
  const limits = clientSettings(reader.http).limits;
  try {
    const answer = await httpRequest(
      reader.http,
      { method: 'GET', url: href, headers: etag ? { 'if-none-match': etag } : {} },
      {
        body: { bytes: limits.maxLabelBytes, code: LABEL_TOO_LARGE, key: 'max_label_bytes' },
        isAnswer: (status) => (status >= 200 && status < 300) || (status === 304 && etag !== undefined),
        limits,
        signal: reader.signal,
      },
    );
    if (answer.status === 304) return { notModified: true };
    const header = httpHeader(answer.headers.etag);
    return { notModified: false, text: decodePvlBytes(answer.body).text, etag: header, bytes: answer.body.length };
  } catch (err) {
    if (reader.signal.aborted || !(err instanceof HttpRequestError)) throw err;
    throw httpLabelError(href, err);
  }
}

const LABEL_TOO_LARGE = 'ERR_LABEL_TOO_LARGE';

const httpHeader = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value) || undefined;

/** A failed plain-HTTP label read as the item's failure: the status, or what broke and which limit. */
function httpLabelError(href: string, err: HttpRequestError): LabelError {
  const after = err.retries > 0 ? ` after ${err.retries} ${err.retries === 1 ? 'retry' : 'retries'}` : '';
  const options = { href, status: err.status, cause: err };
  switch (err.kind) {
    case 'status':
      return new LabelError(LABEL_HTTP, `HTTP ${err.status}${err.statusMessage ? ` ${err.statusMessage}` : ''} from ${href}${after}${err.why ? ` (${err.why})` : ''}`, options);
    case 'unreachable':
    case 'connect-timeout':
      return new LabelError(LABEL_UNREACHABLE, `cannot fetch ${href}${after}: ${err.summary}; check the network or the href`, options);
    case 'too-large':
      return new LabelError(LABEL_TOO_LARGE, `label ${href}: ${err.detail}; not read (raise http.max_label_bytes if such labels are expected)`, options);
    case 'protocol':
    case 'redirects':
      return new LabelError(LABEL_HTTP, `label ${href}: ${err.detail}`, options);
    default:
      return new LabelError(err.code, `label ${href} failed${after}: ${err.summary}`, options);
  }
}
