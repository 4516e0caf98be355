import type { HttpLimits } from '../http/limits.js';
import { USER_AGENT } from '../version.js';
import { trustedCertificates } from './ca-bundle.js';
import type { S3Location } from './href.js';
import type { Where } from './retry.js';
import { escapeUri } from './request-handler.js';
import { S3Transport, type TransportRequest, type TransportResponse } from './transport.js';

/**
 * Unsigned reads of a public object (GET, ranged GET, HEAD) straight over the S3 transport (undici), without the
 * AWS SDK: they need no signature, no endpoint rules, no middleware stack. The SDK cost ~1.3 ms of CPU a label
 * where this costs ~0.2 (`npm run bench -- labels`), and a run over public buckets never loads it (~7 MB of
 * memory, ~0.3 s of start-up). Signed reads (`s3.anonymous: false`) go through the SDK.
 * The URL is what the SDK would send: path-style on an `s3.endpoint`, else virtual-hosted
 * (`https://BUCKET.s3.REGION.amazonaws.com/KEY`, path-style for bucket names with dots, which TLS cannot match),
 * and a 301 that names the bucket's region (`x-amz-bucket-region`) is followed once, as followRegionRedirects does.
 * Failures are thrown in the SDK's error shape (`$metadata`, `Code`, `$response`), so errors.ts classes them as
 * it classes the SDK's.
 */

export interface AnonymousAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: TransportResponse['body'];
}

const transports = new Map<HttpLimits, S3Transport>();

function transportFor(limits: HttpLimits, maxConnections: number, keepAliveMs: number): S3Transport {
  let transport = transports.get(limits);
  if (!transport) {
    transport = new S3Transport({ limits, maxConnectionsPerOrigin: maxConnections, keepAliveMs, ca: trustedCertificates() });
    transports.set(limits, transport);
  }
  return transport;
}

/** Closes the connections of the direct path (with the SDK clients: end of a run, of a test file). */
export async function closeAnonymousTransports(): Promise<void> {
  const all = [...transports.values()];
  transports.clear();
  await Promise.all(all.map((t) => t.close().catch(() => undefined)));
}

/** `s3.endpoint` path-style, or the AWS URL of the object in `region`. */
export function objectUrl(location: S3Location, region: string, endpoint: string | undefined): { origin: string; path: string } {
  // Escaped whole, then its slashes put back: what escaping each segment gives, in one call. Most keys have
  // nothing to escape, which one regex test finds.
  const key = UNRESERVED_PATH.test(location.key) ? location.key : escapeUri(location.key).replaceAll('%2F', '/');
  const query = location.versionId !== undefined ? `?versionId=${encodeURIComponent(location.versionId)}` : '';
  if (endpoint) {
    const base = endpointBase(endpoint);
    const bucket = UNRESERVED.test(location.bucket) ? location.bucket : escapeUri(location.bucket);
    return { origin: base.origin, path: `${base.prefix}/${bucket}/${key}${query}` };
  }
  const host = region === 'us-east-1' ? 's3.amazonaws.com' : `s3.${region}.amazonaws.com`;
  if (location.bucket.includes('.')) return { origin: `https://${host}`, path: `/${location.bucket}/${key}${query}` };
  return { origin: `https://${location.bucket}.${host}`, path: `/${key}${query}` };
}

/** RFC 3986 unreserved characters (and `/`, for a key): a name of only these is its own escaped form. */
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const UNRESERVED_PATH = /^[A-Za-z0-9\-._~/]*$/;

/** An endpoint's origin and path prefix, and an origin's request headers: made once (a URL parse a label costs ~10 µs). */
let lastEndpoint: { endpoint: string; origin: string; prefix: string } | undefined;
let lastOrigin: { origin: string; headers: Readonly<Record<string, string>> } | undefined;

function endpointBase(endpoint: string): { origin: string; prefix: string } {
  if (lastEndpoint?.endpoint !== endpoint) {
    const base = new URL(endpoint);
    lastEndpoint = { endpoint, origin: base.origin, prefix: base.pathname.replace(/\/+$/, '') };
  }
  return lastEndpoint;
}

/** User-Agent and Host for `origin`; shared by its requests (the transport does not change them). */
function headersOf(origin: string): Record<string, string> {
  if (lastOrigin?.origin !== origin) lastOrigin = { origin, headers: Object.freeze({ 'user-agent': USER_AGENT, host: new URL(origin).host }) };
  return lastOrigin.headers as Record<string, string>;
}

export interface AnonymousGetOptions {
  limits: HttpLimits;
  region: string;
  endpoint?: string;
  maxConnections: number;
  keepAliveMs: number;
  /** HEAD, or GET (the default). */
  method?: 'GET' | 'HEAD';
  ifNoneMatch?: string;
  /** Only if the object still has this ETag (a resumed download); 412 otherwise. */
  ifMatch?: string;
  /** A `Range` header (`bytes=START-END`): answered 206, or 200 with the whole object. */
  range?: string;
  /** The caller's (the run's) signal. */
  signal?: AbortSignal;
  /** The attempt's deadline (retry.ts's Attempt), enforced by the transport. */
  deadline?: TransportRequest['deadline'];
}

/**
 * One attempt: resolves with a 200 or 206 answer (its body streaming; a HEAD's is empty) or `{ statusCode: 304 }`;
 * throws an SDK-shaped error for any other status (its error body read up to http.max_error_body_bytes by the
 * transport).
 */
export async function anonymousGet(where: Where, options: AnonymousGetOptions): Promise<AnonymousAnswer> {
  const transport = transportFor(options.limits, options.maxConnections, options.keepAliveMs);
  let region = options.region;
  for (let redirects = 0; ; redirects += 1) {
    const { origin, path } = objectUrl(where.location, region, options.endpoint);
    const headers = withConditions(headersOf(origin), options);
    const answer = await transport.request({ origin, path, method: options.method ?? 'GET', headers, signal: options.signal, deadline: options.deadline });
    const { statusCode } = answer;
    if (statusCode === 200 || statusCode === 206) return answer;
    const text = await readErrorBody(answer);
    if (statusCode === 304) return { statusCode, headers: answer.headers, body: answer.body };
    const bucketRegion = answer.headers['x-amz-bucket-region'];
    if ((statusCode === 301 || statusCode === 307 || statusCode === 400) && !options.endpoint && bucketRegion && bucketRegion !== region && redirects === 0) {
      region = bucketRegion;
      continue;
    }
    throw sdkShapedError(statusCode, answer.headers, text);
  }
}

/** The origin's shared headers, plus the request's own conditions and range (a new object only then). */
function withConditions(base: Record<string, string>, options: AnonymousGetOptions): Record<string, string> {
  if (options.ifNoneMatch === undefined && options.ifMatch === undefined && options.range === undefined) return base;
  const headers = { ...base };
  if (options.ifNoneMatch !== undefined) headers['if-none-match'] = options.ifNoneMatch;
  if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch;
  if (options.range !== undefined) headers.range = options.range;
  return headers;
}

async function readErrorBody(answer: TransportResponse): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    // The transport caps error bodies at http.max_error_body_bytes.
    for await (const chunk of answer.body as AsyncIterable<Buffer>) chunks.push(chunk);
  } catch {
    // A broken error body still leaves its status to go by.
  } finally {
    answer.body.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** What the SDK would have thrown for this answer: S3's `<Code>` and `<Message>`, the status, the request id. */
function sdkShapedError(status: number, headers: Record<string, string>, xml: string): Error {
  const tag = (name: string): string | undefined => new RegExp(`<${name}>([^<]{0,1024})</${name}>`).exec(xml)?.[1];
  const code = tag('Code') ?? (status === 404 ? 'NotFound' : status === 403 ? 'Forbidden' : undefined);
  const message = tag('Message') ?? '';
  const error = new Error(message || code || `HTTP ${status}`) as Error & Record<string, unknown>;
  error.name = code ?? 'UnknownError';
  if (code !== undefined) error.Code = code;
  error.$fault = status >= 500 ? 'server' : 'client';
  error.$metadata = { httpStatusCode: status, requestId: headers['x-amz-request-id'], attempts: 1 };
  error.$response = { statusCode: status, headers };
  return error;
}
