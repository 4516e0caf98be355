import type { HttpLimits } from '../http/limits.js';
import { USER_AGENT } from '../version.js';
import { trustedCertificates } from './ca-bundle.js';
import type { S3Location } from './href.js';
import type { Where } from './retry.js';
import { escapeUri } from './request-handler.js';
import { S3Transport, type TransportResponse } from './transport.js';

/**
 * An unsigned GET of a public object straight over the S3 transport (undici), without the AWS SDK: a label read
 * needs no signature, no endpoint rules, no middleware stack, and the SDK cost ~1.3 ms of CPU a label where this
 * costs ~0.2 (`npm run bench -- labels`). Signed reads, HEADs and download bodies still go through the SDK.
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
  // Escaped whole, then its slashes put back: what escaping each segment gives, in one call.
  const key = escapeUri(location.key).replaceAll('%2F', '/');
  const query = location.versionId !== undefined ? `?versionId=${encodeURIComponent(location.versionId)}` : '';
  if (endpoint) {
    const base = endpointBase(endpoint);
    return { origin: base.origin, path: `${base.prefix}/${escapeUri(location.bucket)}/${key}${query}` };
  }
  const host = region === 'us-east-1' ? 's3.amazonaws.com' : `s3.${region}.amazonaws.com`;
  if (location.bucket.includes('.')) return { origin: `https://${host}`, path: `/${location.bucket}/${key}${query}` };
  return { origin: `https://${location.bucket}.${host}`, path: `/${key}${query}` };
}

/** An endpoint's origin and path prefix, and an origin's host: parsed once (a URL parse a label costs ~10 µs). */
let lastEndpoint: { endpoint: string; origin: string; prefix: string } | undefined;
let lastOrigin: { origin: string; host: string } | undefined;

function endpointBase(endpoint: string): { origin: string; prefix: string } {
  if (lastEndpoint?.endpoint !== endpoint) {
    const base = new URL(endpoint);
    lastEndpoint = { endpoint, origin: base.origin, prefix: base.pathname.replace(/\/+$/, '') };
  }
  return lastEndpoint;
}

function hostOf(origin: string): string {
  if (lastOrigin?.origin !== origin) lastOrigin = { origin, host: new URL(origin).host };
  return lastOrigin.host;
}

export interface AnonymousGetOptions {
  limits: HttpLimits;
  region: string;
  endpoint?: string;
  maxConnections: number;
  keepAliveMs: number;
  ifNoneMatch?: string;
  signal: AbortSignal;
}

/**
 * One attempt: resolves with a 200 answer (its body streaming) or `{ statusCode: 304 }`; throws an SDK-shaped
 * error for any other status (its error body read up to http.max_error_body_bytes by the transport).
 */
export async function anonymousGet(where: Where, options: AnonymousGetOptions): Promise<AnonymousAnswer> {
  const transport = transportFor(options.limits, options.maxConnections, options.keepAliveMs);
  let region = options.region;
  for (let redirects = 0; ; redirects += 1) {
    const { origin, path } = objectUrl(where.location, region, options.endpoint);
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, host: hostOf(origin) };
    if (options.ifNoneMatch !== undefined) headers['if-none-match'] = options.ifNoneMatch;
    const answer = await transport.request({ origin, path, method: 'GET', headers, signal: options.signal });
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
