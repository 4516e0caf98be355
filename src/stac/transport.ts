import type { Got } from 'got';
import { clientSettings } from '../http/client.js';
import { HttpRequestError } from '../http/errors.js';
import type { HttpLimits } from '../http/limits.js';
import { httpRequest } from '../http/request.js';
import { jsonLooksComplete } from '../util/json-complete.js';
import { StacApiError, type StacApiErrorCode } from './errors.js';
import { requestHeaders, type ApiHeaders } from './request-headers.js';
import type { HttpMethod } from './search-params.js';

/**
 * Transport only (pystac-client's `StacApiIO.request`): one JSON request through src/http/request.ts (the one
 * retry loop: connection errors, 408/429/5xx with Retry-After, deadlines, bodies cut short or stalled; a body
 * over http.max_page_bytes refused), and every failure turned into a run-fatal StacApiError that names the
 * request, what happened and the API's own words. The stage's headers go to the api's origin only
 * (request-headers.ts).
 */

export interface JsonRequest {
  readonly method: HttpMethod;
  readonly url: string;
  /** The JSON body (POST). */
  readonly body?: Readonly<Record<string, unknown>>;
  /** Headers of this request (from a next link); see request-headers.ts for where they go. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface TransportOptions {
  readonly http: Got;
  /** The stage's `headers` and the api origin they are sent to (no other). */
  readonly apiHeaders?: ApiHeaders;
  /** Sizes, deadlines, retries; default: the limits `http` was made with. */
  readonly limits?: HttpLimits;
  readonly signal?: AbortSignal;
  /** Called once per request that got an answer or gave up: for the stage's counters. */
  readonly onRequest?: (info: { method: HttpMethod; url: string; status?: number; retries: number }) => void;
  /** Called when headers were not sent to a request on another origin (their names). */
  readonly onWithheld?: (info: { url: string; headers: readonly string[] }) => void;
}

const ACCEPT = 'application/geo+json, application/json;q=0.9';

/**
 * Sends `request` and returns its parsed JSON body. `purpose` starts error messages
 * (`search page 3`, `landing page`). Aborts (the run was cancelled) are rethrown as they are.
 */
export async function requestJson(request: JsonRequest, options: TransportOptions, purpose: string): Promise<unknown> {
  return parseJsonBody((await requestBytes(request, options, purpose)).toString('utf8'), request, purpose);
}

/**
 * Sends `request` and returns its body as bytes: search pages are parsed lazily from them (page-text.ts)
 * and never held as one big string.
 */
export async function requestBytes(request: JsonRequest, options: TransportOptions, purpose: string): Promise<Buffer> {
  const { method, url } = request;
  const limits = options.limits ?? clientSettings(options.http).limits;
  const { headers, withheld } = requestHeaders(request, options.apiHeaders);
  if (withheld.length > 0) options.onWithheld?.({ url, headers: withheld });
  try {
    const answer = await httpRequest(
      options.http,
      { method, url, headers: { accept: ACCEPT, ...headers }, ...(method === 'POST' ? { json: request.body ?? {} } : {}) },
      // A page cut short where only the connection's close ends it is told by its unclosed JSON, and asked again.
      { body: { bytes: limits.maxPageBytes, code: 'ERR_STAC_TOO_LARGE', key: 'max_page_bytes' }, limits, signal: options.signal, looksWhole: jsonLooksComplete },
    );
    options.onRequest?.({ method, url, status: answer.status, retries: answer.retries });
    return answer.body;
  } catch (err) {
    if (options.signal?.aborted || !(err instanceof HttpRequestError)) throw err;
    options.onRequest?.({ method, url, status: err.status, retries: err.retries });
    throw toStacApiError(err, request, purpose);
  }
}

/** `text` parsed as JSON, or ERR_STAC_BAD_RESPONSE naming the request. */
export function parseJsonBody(text: string, request: JsonRequest, purpose: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new StacApiError(
      'ERR_STAC_BAD_RESPONSE',
      `${purpose}: ${request.method} ${request.url} answered with a body that is not JSON (${preview(text)}). Check that api is a STAC API.`,
      { url: request.url, method: request.method, cause },
    );
  }
}

/**
 * A failed request as a StacApiError: the request, what happened (`answered 503`, `body cut short at N of M
 * bytes`, `body stalled`, `larger than http.max_page_bytes`), the retries made, the API's `code`/`description`
 * when it sent a JSON error body, and what to do. Deadline and size failures keep their codes.
 */
export function toStacApiError(err: HttpRequestError, request: JsonRequest, purpose: string): StacApiError {
  const { method, url } = request;
  const retries = err.retries;
  const after = retries > 0 ? ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : '';
  const details = { url, method, status: err.status, cause: err };
  switch (err.kind) {
    case 'status': {
      const status = err.status ?? 0;
      const { apiCode, description } = errorBody(err.errorBody);
      const said = description ? `: ${apiCode ? `${apiCode}: ` : ''}${description}` : apiCode ? `: ${apiCode}` : '';
      return new StacApiError(
        status === 400 ? 'ERR_STAC_BAD_REQUEST' : 'ERR_STAC_HTTP',
        `${purpose}: ${method} ${url} ${err.detail}${after}${said}.${err.why ? ` Not retried: ${err.why}.` : ''} ${hint(status)}`,
        { ...details, apiCode, description },
      );
    }
    case 'unreachable':
    case 'connect-timeout':
      return new StacApiError(
        'ERR_STAC_UNREACHABLE',
        `${purpose}: cannot reach ${method} ${url}${after}: ${err.summary}. Check the api URL and the network; if the API is down, run again later.`,
        details,
      );
    case 'too-large':
      return new StacApiError(
        'ERR_STAC_TOO_LARGE',
        `${purpose}: ${method} ${url}: ${err.detail}. The run stops: ask for smaller pages (limit) or raise http.max_page_bytes.`,
        details,
      );
    case 'head-timeout':
    case 'low-speed':
    case 'request-timeout':
    case 'cut-short':
      return new StacApiError(
        err.code as StacApiErrorCode,
        `${purpose}: ${method} ${url} failed${after}: ${err.summary}. The API or the network kept failing: run again later (the deadlines are under http:).`,
        details,
      );
    case 'protocol':
    case 'redirects':
      return new StacApiError('ERR_STAC_BAD_RESPONSE', `${purpose}: ${method} ${url}: ${err.detail}. Check that api is a STAC API.`, details);
  }
}

/** stac-server's error body is `{ "code": "BadRequest", "description": "..." }`; others send `detail` or `message`. */
function errorBody(body: Buffer | undefined): { apiCode?: string; description?: string } {
  let parsed: unknown = body;
  if (Buffer.isBuffer(parsed)) parsed = parsed.toString('utf8');
  if (typeof parsed === 'string') {
    const text = parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      return text.trim() === '' ? {} : { description: preview(text) };
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const record = parsed as Record<string, unknown>;
  // At most 500 characters of each: a message, not a copy of whatever the server sent.
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? (v.length > 500 ? `${v.slice(0, 500)}…` : v) : undefined);
  return {
    apiCode: text(record.code),
    description: text(record.description) ?? text(record.detail) ?? text(record.message),
  };
}

function hint(status: number): string {
  if (status === 400) return 'The API refused the search parameters: check them (bbox is west,south,east,north; datetime; filter).';
  if (status === 401 || status === 403) return 'The API wants credentials: pass them in `headers`.';
  if (status === 404) return 'Check the api URL: it must be the landing page of a STAC API, e.g. https://stac.astrogeology.usgs.gov/api/.';
  if (status === 405) return 'The API does not take this method here: set `method` to the other one (GET or POST).';
  if (status === 429 || status >= 500) return 'The API kept failing after the retries: run again later.';
  return 'See the API documentation.';
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}
