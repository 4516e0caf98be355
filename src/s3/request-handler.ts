import { S3Transport, type TransportOptions } from './transport.js';
import type { ResponseBody } from './response-body.js';

/**
 * The transport under stacflow's S3 clients: the AWS SDK builds, signs (or not) and parses every request as usual
 * (its own retries are off: client.ts retries), and this handler carries it over undici (transport.ts), with the
 * `http:` limits: connect and head deadlines, error bodies capped, the low-speed limit. The SDK's HttpHandler
 * shape (@smithy/node-http-handler's): `handle(request, { abortSignal })` → `{ response }`. stacflow only reads
 * from S3: requests other than GET and HEAD, or with a body, are refused.
 */

/** The parts of the SDK's HttpRequest (from @smithy/protocol-http) this handler uses. */
export interface SdkHttpRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | Array<string | null> | null>;
  headers: Record<string, string>;
  body?: unknown;
}

export interface SdkHttpResponse {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body: ResponseBody;
}

export class S3HttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly transport: S3Transport;

  constructor(options: TransportOptions) {
    this.transport = new S3Transport(options);
  }

  async handle(request: SdkHttpRequest, options: { abortSignal?: unknown } = {}): Promise<{ response: SdkHttpResponse }> {
    const method = request.method.toUpperCase();
    if ((method !== 'GET' && method !== 'HEAD') || !isEmptyBody(request.body)) {
      throw new Error(`stacflow's S3 transport only reads (GET and HEAD without a body); got ${method}`);
    }
    if (request.protocol !== 'https:' && request.protocol !== 'http:') throw new Error(`unsupported protocol ${request.protocol} for S3`);
    const port = request.port ? `:${request.port}` : '';
    // An IPv6 address goes in brackets in a URL's host.
    const host = request.hostname.includes(':') && !request.hostname.startsWith('[') ? `[${request.hostname}]` : request.hostname;
    const query = request.query ? queryString(request.query) : '';
    // The SDK passes the caller's AbortSignal through (stacflow always gives a standard one).
    const signal = options.abortSignal instanceof AbortSignal ? options.abortSignal : undefined;
    const answer = await this.transport.request({
      origin: `${request.protocol}//${host}${port}`,
      path: query ? `${request.path}?${query}` : request.path,
      method,
      headers: request.headers,
      signal,
    });
    return { response: { statusCode: answer.statusCode, reason: answer.statusText, headers: answer.headers, body: answer.body } };
  }

  updateHttpClientConfig(): void {
    // The options are fixed when the client is made (src/s3/client.ts).
  }

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    void this.transport.close();
  }
}

function isEmptyBody(body: unknown): boolean {
  if (body === undefined || body === null || body === '') return true;
  return body instanceof Uint8Array && body.byteLength === 0;
}

/** The query as the SDK's own handler writes it: keys sorted, RFC 3986 escapes (`!'()*` too). */
export function queryString(query: NonNullable<SdkHttpRequest['query']>): string {
  const parts: string[] = [];
  for (const name of Object.keys(query).sort()) {
    const value = query[name];
    const key = escapeUri(name);
    if (Array.isArray(value)) {
      for (const v of value) parts.push(v === null ? key : `${key}=${escapeUri(v)}`);
    } else parts.push(value === null ? key : `${key}=${escapeUri(value)}`);
  }
  return parts.join('&');
}

/** RFC 3986 escaping as the SDK writes paths and queries (`!'()*` too). */
export const escapeUri = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
