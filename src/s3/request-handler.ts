import { Http1Pool, type PoolOptions } from '../http1/pool.js';
import type { Http1Body } from '../http1/connection.js';

/**
 * The transport under stacflow's S3 clients: the AWS SDK builds, signs (or not), retries and parses every
 * request as usual, and this handler carries it over src/http1's connections, whose bodies stream from one
 * read buffer per connection instead of a new 64 KiB buffer per socket read (Node's http). The download engine
 * reads such bodies in place (`consumeChunks`); everything else reads them as ordinary Node streams.
 * stacflow only reads from S3: requests other than GET and HEAD, or with a body, are refused.
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
  body: Http1Body;
}

export class S3HttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly pool: Http1Pool;

  constructor(options: PoolOptions) {
    this.pool = new Http1Pool(options);
  }

  async handle(request: SdkHttpRequest, options: { abortSignal?: unknown } = {}): Promise<{ response: SdkHttpResponse }> {
    const method = request.method.toUpperCase();
    if ((method !== 'GET' && method !== 'HEAD') || !isEmptyBody(request.body)) {
      throw new Error(`stacflow's S3 transport only reads (GET and HEAD without a body); got ${method}`);
    }
    const protocol = request.protocol === 'https:' ? 'https:' : request.protocol === 'http:' ? 'http:' : undefined;
    if (!protocol) throw new Error(`unsupported protocol ${request.protocol} for S3`);
    const hostname = request.hostname.startsWith('[') && request.hostname.endsWith(']') ? request.hostname.slice(1, -1) : request.hostname;
    const query = request.query ? queryString(request.query) : '';
    // The SDK passes the caller's AbortSignal through (stacflow always gives a standard one).
    const signal = options.abortSignal instanceof AbortSignal ? options.abortSignal : undefined;
    const answer = await this.pool.request(
      { protocol, hostname, port: request.port ?? (protocol === 'https:' ? 443 : 80) },
      { method, path: query ? `${request.path}?${query}` : request.path, headers: request.headers },
      signal,
    );
    return { response: { statusCode: answer.statusCode, reason: answer.reason, headers: answer.headers, body: answer.body } };
  }

  updateHttpClientConfig(): void {
    // The options are fixed when the client is made (src/s3/client.ts).
  }

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    this.pool.close();
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

const escapeUri = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
