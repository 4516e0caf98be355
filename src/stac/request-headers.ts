import { sameOrigin } from '../http/redirect.js';

/**
 * Which headers a STAC API request carries. The stage's `headers` (an `Authorization: Bearer ...`, an API
 * key) are credentials for the `api`: they go to its origin (scheme, host and port) only, never to a next
 * link, search or conformance link on another origin, nor over plain http when the api is https (another
 * origin too). Headers the API itself put on a next link go with that link; to another origin, minus
 * anything that looks like a credential (Authorization, Cookie, a header named like one of the stage's, or
 * carrying one of their values). What is withheld is returned by name, for a log line.
 */

/** The stage's headers and the only origin they are sent to. */
export interface ApiHeaders {
  /** `new URL(api).origin`. */
  readonly origin: string;
  readonly headers: Readonly<Record<string, string>>;
}

const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

/** The part of a request its headers depend on (transport.ts's JsonRequest has it). */
interface HeadedRequest {
  readonly method?: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export function requestHeaders(request: HeadedRequest, api: ApiHeaders | undefined): { headers: Record<string, string>; withheld: string[] } {
  const own = request.headers ?? {};
  if (!api) return { headers: { ...own }, withheld: [] };
  if (sameOrigin(request.url, api.origin)) return { headers: { ...api.headers, ...own }, withheld: [] };

  const stageNames = new Set(Object.keys(api.headers).map((name) => name.toLowerCase()));
  const stageValues = new Set(Object.values(api.headers).filter((value) => value !== ''));
  const headers: Record<string, string> = {};
  const withheld = Object.keys(api.headers);
  for (const [name, value] of Object.entries(own)) {
    const lower = name.toLowerCase();
    if (CREDENTIAL_HEADERS.has(lower) || stageNames.has(lower) || stageValues.has(value)) {
      if (!withheld.some((w) => w.toLowerCase() === lower)) withheld.push(name);
    } else {
      headers[name] = value;
    }
  }
  return { headers, withheld };
}
