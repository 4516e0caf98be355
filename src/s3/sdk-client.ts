import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { DEFAULT_LIMITS, type HttpLimits } from '../http/limits.js';
import type { S3Settings } from './settings.js';
import { USER_AGENT } from '../version.js';
import { trustedCertificates } from './ca-bundle.js';
import { KEEP_ALIVE_MS, MAX_SOCKETS } from './connections.js';
import type { S3Location } from './href.js';
import { S3HttpHandler } from './request-handler.js';

/**
 * The AWS SDK's side of client.ts: signed reads (`s3.anonymous: false`), one attempt each (client.ts retries;
 * the SDK's `maxAttempts` is 1). Loaded by client.ts only when a signed read is made: runs over public buckets
 * never import the SDK.
 */

// The SDK warns once per process that its 2027 releases will need Node 22; stacflow supports Node 20 and
// pins the SDK, so the warning would only clutter every run's stderr. Set it yourself to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const clients = new Map<string, S3Client>();

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
 * The client for `region` (default `settings.region`), one per (region, endpoint, anonymous, limits) for the
 * whole process. With `settings.endpoint` (the sandbox, MinIO...) every request goes path-style to that
 * endpoint, whatever region the href named. Anonymous clients sign nothing: no Authorization, X-Amz-Date or
 * X-Amz-Content-Sha256 header is sent, and no credentials are looked up.
 */
export function s3ClientFor(settings: S3Settings, region?: string): S3Client {
  const endpoint = settings.endpoint || undefined;
  const resolvedRegion = (endpoint ? settings.region : region ?? settings.region) || 'us-east-1';
  const limits = settings.limits ?? DEFAULT_LIMITS;
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
      // One retry layer: client.ts's loop for small reads, the download engine for bodies.
      maxAttempts: 1,
      customUserAgent: USER_AGENT,
      requestHandler: new S3HttpHandler({ limits, maxConnectionsPerOrigin: MAX_SOCKETS, keepAliveMs: KEEP_ALIVE_MS, ca: trustedCertificates() }),
    });
    clients.set(cacheKey, client);
  }
  return client;
}

/** Closes every client's sockets (end of a run, end of a test file). Later calls make new clients. */
export function closeSdkClients(): void {
  for (const client of clients.values()) client.destroy();
  clients.clear();
}

const objectId = (location: S3Location) => ({ Bucket: location.bucket, Key: location.key, VersionId: location.versionId });

/** What a GET's or HEAD's head said, as client.ts reads it from the SDK's output and from a raw head alike. */
export interface SdkAnswer {
  body?: Readable;
  contentLength?: number;
  etag?: string;
  contentRange?: string;
  lastModified?: Date;
  contentType?: string;
  serverSideEncryption?: string;
  sseCustomerAlgorithm?: string;
}

/** One GetObject; `{ notModified: true }` for a 304 to `ifNoneMatch`. Throws the SDK's error otherwise. */
export async function sdkGet(
  settings: S3Settings,
  location: S3Location,
  request: { ifNoneMatch?: string; ifMatch?: string; range?: string },
  signal: AbortSignal | undefined,
): Promise<SdkAnswer | { notModified: true }> {
  try {
    const output = await s3ClientFor(settings, location.region).send(
      new GetObjectCommand({ ...objectId(location), IfNoneMatch: request.ifNoneMatch, IfMatch: request.ifMatch, Range: request.range }),
      { abortSignal: signal },
    );
    return { body: output.Body as Readable | undefined, contentLength: output.ContentLength, etag: output.ETag, contentRange: output.ContentRange, lastModified: output.LastModified };
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode === 304) return { notModified: true };
    throw err;
  }
}

/** One HeadObject. Throws the SDK's error. */
export async function sdkHead(settings: S3Settings, location: S3Location, signal: AbortSignal | undefined): Promise<SdkAnswer> {
  const output = await s3ClientFor(settings, location.region).send(new HeadObjectCommand(objectId(location)), { abortSignal: signal });
  return {
    contentLength: output.ContentLength,
    etag: output.ETag,
    lastModified: output.LastModified,
    contentType: output.ContentType,
    serverSideEncryption: output.ServerSideEncryption,
    sseCustomerAlgorithm: output.SSECustomerAlgorithm,
  };
}
