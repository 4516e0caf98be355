import { GetObjectCommand, HeadObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { DEFAULT_LIMITS, formatBytes, type HttpLimits } from '../http/limits.js';
import type { S3Settings } from '../pipeline/context.js';
import { USER_AGENT } from '../version.js';
import { trustedCertificates } from './ca-bundle.js';
import { S3HttpHandler } from './request-handler.js';
import { S3HrefError, S3ObjectError, toS3ObjectError } from './errors.js';
import { parseS3Href, s3Uri, type S3Location } from './href.js';
import { withRetries, type Where } from './retry.js';
import { anonymousGet, closeAnonymousTransports } from './anonymous-get.js';

/**
 * The S3 client of stacflow: `@aws-sdk/client-s3` v3, anonymous unless `s3.anonymous: false`, one client per
 * (region, endpoint, anonymous, limits) for the whole process. Reads labels (`getObjectText`), small objects
 * (`getObjectBytes`), sizes and ETags (`headObject`) and streams for the download engine (`objectStream`).
 * Every failure is an S3ObjectError naming the href and the object; an error body is never returned as data.
 * The SDK's requests travel over undici (request-handler.ts, transport.ts) with the run's `http:` limits; an
 * anonymous `getObjectBytes` (a label of a public bucket) skips the SDK and goes over the same transport
 * directly (anonymous-get.ts: ~0.2 ms of CPU a read instead of ~1.3).
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

/** Keep-alive connections per origin: downloads and label fetches share them. */
const MAX_SOCKETS = 64;
/** An unused kept connection is closed after this long (S3 closes them after about 20 s). */
const KEEP_ALIVE_MS = 10_000;

// The SDK warns once per process that its 2027 releases will need Node 22; stacflow supports Node 20 and
// pins the SDK, so the warning would only clutter every run's stderr. Set it yourself to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const clients = new Map<string, S3Client>();

const limitsOf = (settings: S3Settings): HttpLimits => settings.limits ?? DEFAULT_LIMITS;

/** A short key per distinct limits object (a run has one): no JSON of the limits on every request. */
const limitKeys = new WeakMap<HttpLimits, string>();
function limitsKey(limits: HttpLimits): string {
  let key = limitKeys.get(limits);
  if (key === undefined) {
    key = JSON.stringify(limits);
    limitKeys.set(limits, key);
  }
  return key;
}

/**
 * The client for `region` (default `settings.region`). With `settings.endpoint` (the sandbox, MinIO...) every
 * request goes path-style to that endpoint, whatever region the href named. Anonymous clients sign nothing:
 * no Authorization, X-Amz-Date or X-Amz-Content-Sha256 header is sent, and no credentials are looked up.
 */
export function s3ClientFor(settings: S3Settings, region?: string): S3Client {
  const endpoint = settings.endpoint || undefined;
  const resolvedRegion = (endpoint ? settings.region : region ?? settings.region) || 'us-east-1';
  const limits = limitsOf(settings);
  const cacheKey = `${settings.anonymous ? 'anonymous' : 'signed'}|${resolvedRegion}|${endpoint ?? ''}|${limitsKey(limits)}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = new S3Client({
      region: resolvedRegion,
      ...(endpoint ? { endpoint, forcePathStyle: true } : { followRegionRedirects: true }),
      // Both are needed: a signer that signs nothing (or the SigV4 one signs with the empty key) and
      // credentials (or the SDK looks for some, and fails, before it calls the signer).
      ...(settings.anonymous ? { signer: { sign: async <T>(request: T) => request }, credentials: { accessKeyId: '', secretAccessKey: '' } } : {}),
      // Checksums only where S3 demands them: plain GETs of public objects, as curl would.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // One retry layer: this file's loop for small reads, the download engine for bodies (see above).
      maxAttempts: 1,
      customUserAgent: USER_AGENT,
      requestHandler: new S3HttpHandler({ limits, maxConnectionsPerOrigin: MAX_SOCKETS, keepAliveMs: KEEP_ALIVE_MS, ca: trustedCertificates() }),
    });
    clients.set(cacheKey, client);
  }
  return client;
}

/** Closes every cached client's sockets (end of a run, end of a test file). Later calls make new clients. */
export function closeS3Clients(): void {
  for (const client of clients.values()) client.destroy();
  clients.clear();
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
 * An object's content as UTF-8 text (labels). `href` is any S3 form (see href.ts) or a location.
 *
 * ```ts
 * const { text, etag } = await getObjectText({ region: 'us-west-2', anonymous: true },
 *   'https://astrogeo-ard.s3-us-west-2.amazonaws.com/moon/kaguya/.../TC1S2B0_01_07496N087E3020.caminfo.pvl');
 * ```
 */
export async function getObjectText(settings: S3Settings, href: S3Location | string, options: ConditionalReadOptions): Promise<ObjectText | NotModified>;
export async function getObjectText(settings: S3Settings, href: S3Location | string, options?: ReadOptions): Promise<ObjectText>;
export async function getObjectText(settings: S3Settings, href: S3Location | string, options: ReadOptions & { ifNoneMatch?: string } = {}): Promise<ObjectText | NotModified> {
  const read = await getObjectBytes(settings, href, options as ConditionalReadOptions);
  if (read.notModified) return read;
  return { text: new TextDecoder('utf-8').decode(read.body), etag: read.etag, bytes: read.body.byteLength };
}

/**
 * An object's content in memory (small objects: labels, sidecars), retried as a whole (retry.ts): a failed
 * request, and a body cut short, are asked for again from the start.
 */
export async function getObjectBytes(settings: S3Settings, href: S3Location | string, options: ConditionalReadOptions): Promise<ObjectBytes | NotModified>;
export async function getObjectBytes(settings: S3Settings, href: S3Location | string, options?: ReadOptions): Promise<ObjectBytes>;
export async function getObjectBytes(settings: S3Settings, href: S3Location | string, options: ReadOptions & { ifNoneMatch?: string } = {}): Promise<ObjectBytes | NotModified> {
  const where = locate(settings, href);
  if (settings.anonymous) return getAnonymousBytes(settings, where, options);
  const client = s3ClientFor(settings, where.location.region);
  return withRetries(where, limitsOf(settings), options.signal, async (signal): Promise<ObjectBytes | NotModified> => {
    let output: GetObjectCommandOutput;
    try {
      output = await client.send(new GetObjectCommand({ ...objectId(where.location), IfNoneMatch: options.ifNoneMatch }), { abortSignal: signal });
    } catch (err) {
      if (isNotModified(err)) return { notModified: true, etag: options.ifNoneMatch };
      throw err;
    }
    const body = output.Body as Readable | undefined;
    const bytes = body ? await readBody(body, where, output.ContentLength, options) : new Uint8Array(0);
    return { body: bytes, etag: output.ETag };
  });
}

/** getObjectBytes of a public object: the same retries, limits and errors, without the SDK (anonymous-get.ts). */
function getAnonymousBytes(settings: S3Settings, where: Where, options: ReadOptions & { ifNoneMatch?: string }): Promise<ObjectBytes | NotModified> {
  const limits = limitsOf(settings);
  const endpoint = settings.endpoint || undefined;
  const region = (endpoint ? settings.region : where.location.region ?? settings.region) || 'us-east-1';
  return withRetries(where, limits, options.signal, async (signal): Promise<ObjectBytes | NotModified> => {
    const answer = await anonymousGet(where, { limits, region, endpoint, maxConnections: MAX_SOCKETS, keepAliveMs: KEEP_ALIVE_MS, ifNoneMatch: options.ifNoneMatch, signal });
    if (answer.statusCode === 304) return { notModified: true, etag: options.ifNoneMatch };
    const length = Number(answer.headers['content-length']);
    const contentLength = answer.headers['content-length'] !== undefined && Number.isSafeInteger(length) ? length : undefined;
    const bytes = await readBody(answer.body, where, contentLength, options);
    return { body: bytes, etag: answer.headers.etag };
  });
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
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      received += chunk.byteLength;
      if (max !== undefined && received > max) throw tooLarge(where, `more than ${formatBytes(max)} (still coming)`, max, options.maxBytesSetting);
      chunks.push(chunk);
    }
  } finally {
    body.destroy();
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
export async function headObject(settings: S3Settings, href: S3Location | string, options: { signal?: AbortSignal } = {}): Promise<ObjectHead> {
  const where = locate(settings, href);
  const client = s3ClientFor(settings, where.location.region);
  return withRetries(where, limitsOf(settings), options.signal, async (signal) => {
    const output = await client.send(new HeadObjectCommand(objectId(where.location)), { abortSignal: signal });
    return {
      size: output.ContentLength ?? 0,
      etag: output.ETag,
      lastModified: output.LastModified,
      contentType: output.ContentType,
      serverSideEncryption: output.ServerSideEncryption,
      sseCustomerAlgorithm: output.SSECustomerAlgorithm,
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
export async function objectStream(settings: S3Settings, href: S3Location | string, options: StreamOptions = {}): Promise<ObjectStream> {
  const where = locate(settings, href);
  const range = options.range ? rangeHeader(options.range) : undefined;
  let output: GetObjectCommandOutput;
  try {
    output = await s3ClientFor(settings, where.location.region).send(
      new GetObjectCommand({ ...objectId(where.location), Range: range, IfMatch: options.ifMatch }),
      { abortSignal: options.signal },
    );
  } catch (err) {
    throw fail(err, where, options.signal);
  }
  // Aborting the signal destroys the body (the transport listens to it until the body ends).
  const body = output.Body as Readable;
  const contentRange = parseContentRange(output.ContentRange);
  const contentLength = output.ContentLength ?? (contentRange ? contentRange.end - contentRange.start + 1 : 0);
  return {
    body,
    contentLength,
    etag: output.ETag,
    contentRange,
    size: contentRange?.size ?? (range ? undefined : contentLength),
    lastModified: output.LastModified,
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

function locate(settings: S3Settings, href: S3Location | string): Where {
  const endpoint = settings.endpoint || undefined;
  if (typeof href !== 'string') return { href: s3Uri(href), location: href, endpoint };
  const location = parseS3Href(href);
  if (!location) throw new S3HrefError(href);
  return { href, location, endpoint };
}

const objectId = (location: S3Location) => ({ Bucket: location.bucket, Key: location.key, VersionId: location.versionId });

/** The caller's own abort stays an abort (the run is ending); anything else becomes an S3ObjectError. */
function fail(err: unknown, where: Where, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason ?? err;
  return toS3ObjectError(err, where);
}

function isNotModified(err: unknown): boolean {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode === 304;
}

function tooLarge(where: Where, size: string, max: number, setting: string | undefined): S3ObjectError {
  const limit = setting ? `${setting} = ${formatBytes(max)}` : `the ${formatBytes(max)} read into memory`;
  return new S3ObjectError('ERR_S3_TOO_LARGE', `${where.href}: ${size}, more than ${limit}; the rest was not read`, { ...where, status: 200 });
}
