import type { Readable } from 'node:stream';
import { DEFAULT_LIMITS, formatBytes, type HttpLimits } from '../http/limits.js';
import type { S3Settings } from './settings.js';
import { contentLengthOf } from '../http/attempt.js';
import { KEEP_ALIVE_MS, MAX_SOCKETS } from './connections.js';
import type { SdkAnswer } from './sdk-client.js';
import { S3HrefError, S3ObjectError, toS3ObjectError } from './errors.js';
import { parseS3Href, s3Uri, type S3Href, type S3Location } from './href.js';
import { withRetries, type Where } from './retry.js';
import { anonymousGet, closeAnonymousTransports, type AnonymousAnswer } from './anonymous-get.js';
import { isDirectBody } from '../util/direct-body.js';

/**
 * The S3 client of stacflow: anonymous reads (public buckets, the default) straight over undici, signed ones
 * (`s3.anonymous: false`) through `@aws-sdk/client-s3` v3 (sdk-client.ts, loaded at the first). Reads labels (`getObjectText`), small objects
 * (`getObjectBytes`), sizes and ETags (`headObject`) and streams for the download engine (`objectStream`).
 * Every failure is an S3ObjectError naming the href and the object; an error body is never returned as data.
 * The SDK's requests travel over undici (request-handler.ts, transport.ts) with the run's `http:` limits; anonymous
 * reads (public buckets: labels, HEADs, download bodies) skip the SDK and go over the same transport directly
 * (anonymous-get.ts: ~0.2 ms of CPU a read instead of ~1.3, and the SDK is never loaded).
 *
 * Which layer retries what (one layer per request, never multiplied):
 * - the AWS SDK: nothing (`maxAttempts: 1`);
 * - undici (transport.ts): nothing (a request not yet written when its kept connection closed goes on another);
 * - this file (retry.ts's loop): the small reads, `getObjectBytes` (labels) and `headObject` (the download's
 *   HEAD), from the start: 5xx, 429/SlowDown and the other throttling codes, refused/reset connections, DNS
 *   failures, connect and head deadlines, the low-speed limit, a body cut short; backoff 1 s doubling to 30 s
 *   (http.retry_base_delay, http.retry_max_delay), S3's Retry-After honoured, at most http.retries retries and
 *   no attempt past http.give_up_after since the first;
 * - the download engine (src/download/): bodies from `objectStream`, which is tried once here: a body cut short
 *   or stalled is asked for again from its last byte, with the same backoff and limits.
 */

const limitsOf = (settings: S3Settings): HttpLimits => settings.limits ?? DEFAULT_LIMITS;

/**
 * The object to read: an href in any S3 form (href.ts), parsed here; an href already parsed (`{ href, location }`:
 * a label read, a download job), not parsed again, its href kept for messages; or a bare location.
 */
export type S3Object = S3Href | S3Location | string;

/** The SDK's side (sdk-client.ts), loaded at the first signed read: ~7 MB and ~0.3 s that public reads never pay. */
let sdkModule: Promise<typeof import('./sdk-client.js')> | undefined;
const sdk = () => (sdkModule ??= import('./sdk-client.js'));

/** Closes every connection, the SDK clients' and the direct path's (end of a run, end of a test file). */
export function closeS3Clients(): void {
  if (sdkModule) void sdkModule.then((m) => m.closeSdkClients());
  void closeAnonymousTransports();
}

export interface ReadOptions {
  signal?: AbortSignal;
  /**
   * Refuse objects larger than this many bytes (ERR_S3_TOO_LARGE): at once when Content-Length says so, and while
   * reading otherwise (no Content-Length, a lying one), so no more than this is ever held.
   */
  maxBytes?: number;
  /** How the limit is named in messages, e.g. `http.max_label_bytes` (default: "the N bytes read into memory"). */
  maxBytesSetting?: string;
}

export interface ConditionalReadOptions extends ReadOptions {
  /** The ETag of a copy the caller has: an unchanged object answers `{ notModified: true }` without a body. */
  ifNoneMatch: string;
}

export interface ObjectText {
  notModified?: false;
  text: string;
  etag?: string;
  /** Bytes read (the text's UTF-8 length). */
  bytes: number;
}

export interface ObjectBytes {
  notModified?: false;
  body: Uint8Array;
  etag?: string;
}

export interface NotModified {
  notModified: true;
  etag?: string;
}

/**
 * An object's content as UTF-8 text (labels). `href` is any S3 form (see href.ts), parsed or not (S3Object).
 *
 * ```ts
 * const { text, etag } = await getObjectText({ region: 'us-west-2', anonymous: true },
 *   'https://astrogeo-ard.s3-us-west-2.amazonaws.com/moon/kaguya/.../TC1S2B0_01_07496N087E3020.caminfo.pvl');
 * ```
 */
export async function getObjectText(settings: S3Settings, href: S3Object, options: ConditionalReadOptions): Promise<ObjectText | NotModified>;
export async function getObjectText(settings: S3Settings, href: S3Object, options?: ReadOptions): Promise<ObjectText>;
export async function getObjectText(settings: S3Settings, href: S3Object, options: ReadOptions & { ifNoneMatch?: string } = {}): Promise<ObjectText | NotModified> {
  const read = await getObjectBytes(settings, href, options as ConditionalReadOptions);
  if (read.notModified) return read;
  return { text: new TextDecoder('utf-8').decode(read.body), etag: read.etag, bytes: read.body.byteLength };
}

/**
 * An object's content in memory (small objects: labels, sidecars), retried as a whole (retry.ts): a failed
 * request, and a body cut short, are asked for again from the start.
 */
export async function getObjectBytes(settings: S3Settings, href: S3Object, options: ConditionalReadOptions): Promise<ObjectBytes | NotModified>;
export async function getObjectBytes(settings: S3Settings, href: S3Object, options?: ReadOptions): Promise<ObjectBytes>;
export async function getObjectBytes(settings: S3Settings, href: S3Object, options: ReadOptions & { ifNoneMatch?: string } = {}): Promise<ObjectBytes | NotModified> {
  const where = locate(settings, href);
  if (settings.anonymous) return getAnonymousBytes(settings, where, options);
  const { sdkGet } = await sdk();
  return withRetries(where, limitsOf(settings), options.signal, async ({ signal }): Promise<ObjectBytes | NotModified> => {
    const answer = await sdkGet(settings, where.location, { ifNoneMatch: options.ifNoneMatch }, signal);
    if ('notModified' in answer) return { notModified: true, etag: options.ifNoneMatch };
    const bytes = answer.body ? await readBody(answer.body, where, answer.contentLength, options) : new Uint8Array(0);
    return { body: bytes, etag: answer.etag };
  });
}

/** getObjectBytes of a public object: the same retries, limits and errors, without the SDK (anonymous-get.ts). */
function getAnonymousBytes(settings: S3Settings, where: Where, options: ReadOptions & { ifNoneMatch?: string }): Promise<ObjectBytes | NotModified> {
  const { limits, region, endpoint } = directSettings(settings, where);
  return withRetries(where, limits, options.signal, async (attempt): Promise<ObjectBytes | NotModified> => {
    // The transport enforces the attempt's deadline and the caller's signal itself: no AbortSignal made.
    const answer = await anonymousGet(where, { ...directConnections, limits, region, endpoint, ifNoneMatch: options.ifNoneMatch, signal: options.signal, deadline: attempt });
    if (answer.statusCode === 304) return { notModified: true, etag: options.ifNoneMatch };
    const bytes = await readBody(answer.body, where, contentLengthOf(answer.headers['content-length']), options);
    return { body: bytes, etag: answer.headers.etag };
  });
}

/** The direct path's connections: the same pool sizes as the SDK clients'. */
const directConnections = { maxConnections: MAX_SOCKETS, keepAliveMs: KEEP_ALIVE_MS };

/** Limits, region and endpoint of a direct (unsigned, SDK-free) request for `where`. */
function directSettings(settings: S3Settings, where: Where): { limits: HttpLimits; region: string; endpoint?: string } {
  const endpoint = settings.endpoint || undefined;
  return { limits: limitsOf(settings), region: (endpoint ? settings.region : where.location.region ?? settings.region) || 'us-east-1', endpoint };
}


/** An HTTP date header as a Date; undefined when absent or unreadable. */
function dateOf(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Reads a body whole, never more than `maxBytes`: a Content-Length over it fails at once, a body that grows over
 * it (none, or a lying one) fails at the byte that breaks it, and the connection is dropped. A body shorter than
 * its Content-Length is an error (retryable), never a shorter object.
 */
async function readBody(body: Readable, where: Where, contentLength: number | undefined, options: ReadOptions): Promise<Uint8Array> {
  const max = options.maxBytes;
  if (max !== undefined && contentLength !== undefined && contentLength > max) {
    body.destroy();
    throw tooLarge(where, `${contentLength} bytes by its Content-Length`, max, options.maxBytesSetting);
  }
  const chunks: Buffer[] = [];
  let received = 0;
  const take = (chunk: Buffer): undefined => {
    received += chunk.byteLength;
    if (max !== undefined && received > max) throw tooLarge(where, `more than ${formatBytes(max)} (still coming)`, max, options.maxBytesSetting);
    chunks.push(chunk);
    return undefined;
  };
  if (isDirectBody(body)) {
    // The transport's body: chunks straight from undici, no stream buffer or async iterator (~10 µs and a dozen
    // objects a label). A refused chunk aborts the request; the body is closed at its end.
    await body.drainInto(take);
  } else {
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) take(chunk);
    } finally {
      body.destroy();
    }
  }
  if (contentLength !== undefined && received !== contentLength) {
    throw Object.assign(new Error(`the body ended after ${received} of ${contentLength} bytes`), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
}

export interface ObjectHead {
  size: number;
  etag?: string;
  lastModified?: Date;
  contentType?: string;
  /** `AES256`, `aws:kms`, `aws:kms:dsse`: with KMS (or a customer key, SSE-C) the ETag is not the content's MD5. */
  serverSideEncryption?: string;
  /** Set when the object is encrypted with a customer-provided key (SSE-C). */
  sseCustomerAlgorithm?: string;
}

/** Size, ETag and date of an object without reading it (the download step's "need a transfer?" check). */
export async function headObject(settings: S3Settings, href: S3Object, options: { signal?: AbortSignal } = {}): Promise<ObjectHead> {
  const where = locate(settings, href);
  if (settings.anonymous) {
    const { limits, region, endpoint } = directSettings(settings, where);
    return withRetries(where, limits, options.signal, async (attempt) => {
      const answer = await anonymousGet(where, { ...directConnections, limits, region, endpoint, method: 'HEAD', signal: options.signal, deadline: attempt });
      answer.body.destroy();
      const h = answer.headers;
      return {
        size: contentLengthOf(h['content-length']) ?? 0,
        etag: h.etag,
        lastModified: dateOf(h['last-modified']),
        contentType: h['content-type'],
        serverSideEncryption: h['x-amz-server-side-encryption'],
        sseCustomerAlgorithm: h['x-amz-server-side-encryption-customer-algorithm'],
      };
    });
  }
  const { sdkHead } = await sdk();
  return withRetries(where, limitsOf(settings), options.signal, async ({ signal }) => {
    const h = await sdkHead(settings, where.location, signal);
    return {
      size: h.contentLength ?? 0,
      etag: h.etag,
      lastModified: h.lastModified,
      contentType: h.contentType,
      serverSideEncryption: h.serverSideEncryption,
      sseCustomerAlgorithm: h.sseCustomerAlgorithm,
    };
  });
}

/** Bytes `start` to `end` inclusive (end omitted: to the end of the object). Suffix ranges are not offered. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface StreamOptions {
  signal?: AbortSignal;
  range?: ByteRange;
  /** Only if the object still has this ETag (resuming a partial download); otherwise ERR_S3_CHANGED. */
  ifMatch?: string;
}

export interface ObjectStream {
  body: Readable;
  /** Bytes the body will carry. */
  contentLength: number;
  etag?: string;
  /** Where the body sits in the object, from Content-Range (only for 206 answers). */
  contentRange?: { start: number; end: number; size: number };
  /** Size of the whole object: from Content-Range, or the content length of a full answer. */
  size?: number;
  lastModified?: Date;
  /** True when the server sent the range asked for (206); false when it sent the whole object. */
  partial: boolean;
}

/**
 * A GetObject as a Node stream, for the download engine: the caller pipes `body` to a file and checks the
 * bytes against `contentLength`. Aborting `signal` destroys the body. Tried once: the engine retries, resuming
 * from the last byte. Failures before the first byte are S3ObjectErrors; a body that breaks later emits
 * undici's error (UND_ERR_SOCKET, UND_ERR_RES_CONTENT_LENGTH_MISMATCH...) or an S3TransportError (ERR_LOW_SPEED).
 */
export async function objectStream(settings: S3Settings, href: S3Object, options: StreamOptions = {}): Promise<ObjectStream> {
  const where = locate(settings, href);
  const range = options.range ? rangeHeader(options.range) : undefined;
  if (settings.anonymous) return anonymousStream(settings, where, range, options);
  let answer: SdkAnswer | { notModified: true };
  try {
    answer = await (await sdk()).sdkGet(settings, where.location, { range, ifMatch: options.ifMatch }, options.signal);
  } catch (err) {
    throw fail(err, where, options.signal);
  }
  if ('notModified' in answer || !answer.body) throw fail(new Error('GetObject answered without a body'), where, options.signal);
  // Aborting the signal destroys the body (the transport listens to it until the body ends).
  return streamOf(answer.body, answer, range);
}

/** objectStream of a public object: one attempt over the transport, without the SDK (anonymous-get.ts). */
async function anonymousStream(settings: S3Settings, where: Where, range: string | undefined, options: StreamOptions): Promise<ObjectStream> {
  const { limits, region, endpoint } = directSettings(settings, where);
  let answer: AnonymousAnswer;
  try {
    answer = await anonymousGet(where, { ...directConnections, limits, region, endpoint, range, ifMatch: options.ifMatch, signal: options.signal });
  } catch (err) {
    throw fail(err, where, options.signal);
  }
  const h = answer.headers;
  return streamOf(answer.body, { contentLength: contentLengthOf(h['content-length']), etag: h.etag, contentRange: h['content-range'], lastModified: dateOf(h['last-modified']) }, range);
}

/** What a GET's head says of its body, as ObjectStream has it, from the SDK's output or the raw head alike. */
function streamOf(body: Readable, head: { contentLength?: number; etag?: string; contentRange?: string; lastModified?: Date }, range: string | undefined): ObjectStream {
  const contentRange = parseContentRange(head.contentRange);
  const contentLength = head.contentLength ?? (contentRange ? contentRange.end - contentRange.start + 1 : 0);
  return {
    body,
    contentLength,
    etag: head.etag,
    contentRange,
    size: contentRange?.size ?? (range ? undefined : contentLength),
    lastModified: head.lastModified,
    partial: contentRange !== undefined,
  };
}

/** `bytes=start-end` for a range; throws RangeError for a range that is not one (negative, end < start). */
export function rangeHeader(range: ByteRange): string {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`range start must be a whole number >= 0, got ${start}`);
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) throw new RangeError(`range end must be a whole number >= start (${start}), got ${end}`);
  return `bytes=${start}-${end ?? ''}`;
}

/** `bytes 10-19/70000` → { start: 10, end: 19, size: 70000 }; undefined for anything else (`*` sizes too). */
export function parseContentRange(value: string | undefined): { start: number; end: number; size: number } | undefined {
  const match = value ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value.trim()) : null;
  return match ? { start: Number(match[1]), end: Number(match[2]), size: Number(match[3]) } : undefined;
}

function locate(settings: S3Settings, object: S3Object): Where {
  const endpoint = settings.endpoint || undefined;
  if (typeof object !== 'string') {
    return 'location' in object ? { href: object.href, location: object.location, endpoint } : { href: s3Uri(object), location: object, endpoint };
  }
  const location = parseS3Href(object);
  if (!location) throw new S3HrefError(object);
  return { href: object, location, endpoint };
}

/** The caller's own abort stays an abort (the run is ending); anything else becomes an S3ObjectError. */
function fail(err: unknown, where: Where, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason ?? err;
  return toS3ObjectError(err, where);
}

function tooLarge(where: Where, size: string, max: number, setting: string | undefined): S3ObjectError {
  const limit = setting ? `${setting} = ${formatBytes(max)}` : `the ${formatBytes(max)} read into memory`;
  return new S3ObjectError('ERR_S3_TOO_LARGE', `${where.href}: ${size}, more than ${limit}; the rest was not read`, { ...where, status: 200 });
}
