import { HttpRequestError } from './errors.js';
import type { AttemptRequest } from './attempt.js';

/**
 * Redirects followed by hand (got's own redirect is off), so that headers never travel where they were not
 * meant to go: got keeps custom headers (an `X-Api-Key`) across origins and `Authorization` from https to
 * http on one host. Here a redirect to another origin (scheme, host or port) keeps only the headers that say
 * nothing about the caller. 303 turns a POST into a GET (RFC 9110 §15.4.4); 301, 302, 307 and 308 keep the
 * method and body, as got does.
 */

export const MAX_REDIRECTS = 10;

/** Headers that may follow a request anywhere: they carry no credential. */
const PORTABLE_HEADERS = new Set(['accept', 'accept-encoding', 'accept-language', 'content-type', 'user-agent']);

/** Whether two URLs have one origin: scheme, host and port (https://a and http://a do not). */
export function sameOrigin(a: string | URL, b: string | URL): boolean {
  return new URL(a).origin === new URL(b).origin;
}

/** The request a redirect (`status`, `location`) asks for after `previous`. */
export function redirectedRequest(previous: AttemptRequest, status: number, location: string): AttemptRequest {
  let target: URL;
  try {
    target = new URL(location, previous.url);
  } catch {
    throw new HttpRequestError('redirects', `redirect ${status} to an invalid location ${JSON.stringify(location.slice(0, 200))}`, { method: previous.method, url: previous.url, status });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new HttpRequestError('redirects', `redirect ${status} to ${target.protocol} (only http and https are followed)`, { method: previous.method, url: previous.url, status });
  }
  target.hash = '';
  const headers = sameOrigin(target, previous.url) ? previous.headers : portableHeaders(previous.headers);
  if (status === 303 && previous.method !== 'GET' && previous.method !== 'HEAD') {
    return { method: 'GET', url: target.toString(), headers: withoutContentHeaders(headers) };
  }
  return { ...previous, url: target.toString(), headers };
}

export function portableHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => PORTABLE_HEADERS.has(name.toLowerCase())));
}

function withoutContentHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !/^content-/i.test(name)));
}
