import { RequestError, type Got } from 'got';
import { StacApiError } from './errors.js';
import type { HttpMethod } from './search-params.js';

/**
 * Transport only (pystac-client's `StacApiIO.request`): one JSON request through the run's got instance
 * (which retries connection errors and 408/429/5xx, honouring Retry-After), and every failure turned into
 * a StacApiError that names the request, its status and the API's own words.
 */

export interface JsonRequest {
  readonly method: HttpMethod;
  readonly url: string;
  /** The JSON body (POST). */
  readonly body?: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface TransportOptions {
  readonly http: Got;
  /** Headers sent with every request (the stage's `headers`); a request's own headers win. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Called once per request that got an answer or gave up: for the stage's counters. */
  readonly onRequest?: (info: { method: HttpMethod; url: string; status?: number; retries: number }) => void;
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
  try {
    const response = await options.http(url, {
      method,
      headers: { accept: ACCEPT, ...options.headers, ...request.headers },
      ...(method === 'POST' ? { json: request.body ?? {} } : {}),
      responseType: 'buffer',
      signal: options.signal,
    });
    options.onRequest?.({ method, url, status: response.statusCode, retries: response.retryCount });
    return response.body;
  } catch (err) {
    if (options.signal?.aborted) throw err;
    const status = err instanceof RequestError ? err.response?.statusCode : undefined;
    const retries = err instanceof RequestError ? (err.request?.retryCount ?? 0) : 0;
    options.onRequest?.({ method, url, status, retries });
    throw toStacApiError(err, request, purpose, retries);
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

/** A got error as a StacApiError: status and the API's `code`/`description` when it sent a JSON error body. */
export function toStacApiError(err: unknown, request: JsonRequest, purpose: string, retries = 0): StacApiError {
  const { method, url } = request;
  const response = err instanceof RequestError ? err.response : undefined;
  if (!response) {
    const code = err instanceof RequestError ? err.code : undefined;
    const after = retries > 0 ? ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : '';
    return new StacApiError(
      'ERR_STAC_UNREACHABLE',
      `${purpose}: cannot reach ${method} ${url}${after} (${code ?? (err instanceof Error ? err.message : String(err))}). ` +
        'Check the api URL and the network; if the API is down, run again later.',
      { url, method, cause: err },
    );
  }
  const status = response.statusCode;
  const { apiCode, description } = errorBody(response.body);
  const said = description ? `: ${apiCode ? `${apiCode}: ` : ''}${description}` : apiCode ? `: ${apiCode}` : '';
  const after = retries > 0 ? ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : '';
  return new StacApiError(
    status === 400 ? 'ERR_STAC_BAD_REQUEST' : 'ERR_STAC_HTTP',
    `${purpose}: ${method} ${url} answered ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}${after}${said}. ${hint(status)}`,
    { url, method, status, apiCode, description, cause: err },
  );
}

/** stac-server's error body is `{ "code": "BadRequest", "description": "..." }`; others send `detail` or `message`. */
function errorBody(body: unknown): { apiCode?: string; description?: string } {
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
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
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
