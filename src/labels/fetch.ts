import { HTTPError, RequestError, type Got } from 'got';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import type { S3Settings } from '../pipeline/context.js';
import { decodePvlBytes } from '../pvl/decode.js';
import { S3ObjectError } from '../s3/errors.js';
import { isS3Href } from '../s3/href.js';
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
  const answer = isS3Href(href)
    ? await fromS3(href, reader, cached?.etag)
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

async function fromS3(href: string, reader: LabelReader, etag: string | undefined): Promise<Answer> {
  // Loaded on first use: the AWS SDK takes ~0.6 s to import, which commands and pipelines without S3 skip.
  const { getObjectBytes } = await import('../s3/client.js');
  try {
    const object = etag
      ? await getObjectBytes(reader.s3, href, { signal: reader.signal, ifNoneMatch: etag })
      : await getObjectBytes(reader.s3, href, { signal: reader.signal });
    if (object.notModified) return { notModified: true };
    return { notModified: false, text: decodePvlBytes(object.body).text, etag: object.etag, bytes: object.body.byteLength };
  } catch (err) {
    if (err instanceof S3ObjectError) {
      // The S3 client's message already names the href, the object, S3's code and what to do.
      throw new LabelError(err.code, err.message, { href, status: err.status, cause: err });
    }
    throw new LabelError(LABEL_UNREACHABLE, `cannot read ${href}: ${errorMessage(err)}`, { href, cause: err });
  }
}

async function fromHttp(href: string, reader: LabelReader, etag: string | undefined): Promise<Answer> {
  try {
    const response = await reader.http.get(href, {
      signal: reader.signal,
      responseType: 'buffer',
      headers: etag ? { 'if-none-match': etag } : {},
    });
    if (response.statusCode === 304) return { notModified: true };
    const header = response.headers.etag;
    return { notModified: false, text: decodePvlBytes(response.body).text, etag: header || undefined, bytes: response.body.length };
  } catch (err) {
    if (err instanceof HTTPError) {
      const { statusCode, statusMessage } = err.response;
      throw new LabelError(LABEL_HTTP, `HTTP ${statusCode}${statusMessage ? ` ${statusMessage}` : ''} from ${href}`, { href, status: statusCode, cause: err });
    }
    const code = err instanceof RequestError && err.code && !errorMessage(err).includes(err.code) ? ` (${err.code})` : '';
    throw new LabelError(LABEL_UNREACHABLE, `cannot fetch ${href}: ${errorMessage(err)}${code}; check the network or the href`, { href, cause: err });
  }
}
