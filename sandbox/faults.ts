import type { DrawnFault, RandomFaults } from './random-faults.js';

/**
 * A scripted fault: the first `times` requests matching `path` (and `method`) get `status` instead of their
 * answer, e.g. `{ path: '/search', method: 'POST', status: 429, times: 2, retryAfter: '1' }`; or their
 * connection reset, their body cut short (`cutAfterBytes`) or stalled (`stallAfterBytes`, `stallHead`).
 */
export interface FaultRule {
  /** Exact path (`/search`), a prefix ending in `*` (`/collections/*`), or a RegExp tested on the path. */
  path: string | RegExp;
  /** GET, POST...; any method when absent. */
  method?: string;
  /** Status to answer with. Absent: the request is served normally (after `delayMs`). */
  status?: number;
  /** How many matching requests are affected (default 1; `Infinity` for all). */
  times?: number;
  /** Let this many matching requests through untouched first (e.g. 1 to fail the second page). Default 0. */
  skip?: number;
  /** `Retry-After` header value ('1', or an HTTP date). */
  retryAfter?: string;
  /** Body to send (JSON-encoded unless a string); default stac-server's `{code, description}` for the status. */
  body?: unknown;
  /** Wait this long before answering (to trip a client's timeout). */
  delayMs?: number;
  /** Destroy the connection instead of answering (the client sees ECONNRESET). */
  reset?: boolean;
  /** Send the head (with the full Content-Length) and this many body bytes, then destroy the connection. */
  cutAfterBytes?: number;
  /** Send the head and this many body bytes, then nothing: the connection stays open (see `stallMs`). */
  stallAfterBytes?: number;
  /** Send nothing, not even the head: the connection stays open (see `stallMs`). */
  stallHead?: boolean;
  /** How long a stall holds the connection before destroying it; default and cap: the sandbox's `maxStallMs`. */
  stallMs?: number;
}

/** What a request meets: a scripted rule, or a random fault (`--fault-rate`). */
export type MetFault = { rule: FaultRule; drawn?: undefined } | { rule?: undefined; drawn: DrawnFault };

/** stac-server / API Gateway error codes by status, in stac-server's body shape. */
const ERROR_CODES: Record<number, [string, string]> = {
  400: ['BadRequest', 'Bad Request'],
  403: ['Forbidden', 'Forbidden'],
  404: ['NotFound', 'Not Found'],
  408: ['RequestTimeout', 'Request Timeout'],
  429: ['TooManyRequests', 'Too Many Requests'],
  500: ['InternalServerError', 'Internal Server Error'],
  502: ['BadGateway', 'Bad Gateway'],
  503: ['ServiceUnavailable', 'Service Unavailable'],
  504: ['GatewayTimeout', 'Endpoint request timed out'],
};

export function errorBody(status: number): { code: string; description: string } {
  const [code, description] = ERROR_CODES[status] ?? [`Status${status}`, `Sandbox fault ${status}`];
  return { code, description };
}

/** The faults of one sandbox, with how often each has matched; plus the random faults. */
export class FaultBook {
  private readonly rules: Array<{ rule: FaultRule; seen: number }> = [];

  constructor(rules: readonly FaultRule[] = [], private readonly random?: RandomFaults) {
    for (const rule of rules) this.add(rule);
  }

  add(rule: FaultRule): void {
    const answers = [rule.status !== undefined, rule.reset === true, rule.cutAfterBytes !== undefined, rule.stallAfterBytes !== undefined, rule.stallHead === true];
    if (answers.filter(Boolean).length > 1) throw new RangeError('sandbox fault: give at most one of status, reset, cutAfterBytes, stallAfterBytes, stallHead');
    for (const key of ['cutAfterBytes', 'stallAfterBytes'] as const) {
      const bytes = rule[key];
      if (bytes !== undefined && !(Number.isSafeInteger(bytes) && bytes >= 0)) throw new RangeError(`sandbox fault: ${key} must be a whole number >= 0, got ${bytes}`);
    }
    this.rules.push({ rule: { ...rule }, seen: 0 });
  }

  /**
   * The fault this request meets, if any: scripted rules first (in order added), then the random faults,
   * drawn for this attempt of this request (`target` is the path and query as sent; `body` the POST body).
   */
  meet(method: string, path: string, target = path, body = ''): MetFault | undefined {
    for (const entry of this.rules) {
      const { rule } = entry;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (!pathMatches(rule.path, path)) continue;
      const index = entry.seen;
      const skip = rule.skip ?? 0;
      if (index >= skip + (rule.times ?? 1)) continue;
      entry.seen += 1;
      if (index >= skip) return { rule };
    }
    const drawn = this.random?.draw(method, target, '', body);
    return drawn ? { drawn } : undefined;
  }
}

function pathMatches(pattern: string | RegExp, path: string): boolean {
  if (pattern instanceof RegExp) return pattern.test(path);
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}
