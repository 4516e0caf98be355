import { hash32, prng } from './random.js';

/**
 * A scripted fault: the first `times` requests matching `path` (and `method`) get `status` instead of their
 * answer, e.g. `{ path: '/search', method: 'POST', status: 429, times: 2, retryAfter: '1' }`.
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
}

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

/** The faults of one sandbox, with how often each has matched; plus the random failures. */
export class FaultBook {
  private readonly rules: Array<{ rule: FaultRule; seen: number }> = [];
  private readonly draw: () => number;

  constructor(seed: number, private readonly failureRate: number, rules: readonly FaultRule[] = []) {
    this.draw = prng(hash32(seed, 0xfa17));
    for (const rule of rules) this.add(rule);
  }

  add(rule: FaultRule): void {
    this.rules.push({ rule: { ...rule }, seen: 0 });
  }

  /** The fault this request meets, if any: scripted rules first (in order added), then the failure rate. */
  meet(method: string, path: string): FaultRule | undefined {
    for (const entry of this.rules) {
      const { rule } = entry;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (!pathMatches(rule.path, path)) continue;
      const index = entry.seen;
      const skip = rule.skip ?? 0;
      if (index >= skip + (rule.times ?? 1)) continue;
      entry.seen += 1;
      if (index >= skip) return rule;
    }
    if (this.failureRate > 0 && this.draw() < this.failureRate) return { path, status: 503 };
    return undefined;
  }
}

function pathMatches(pattern: string | RegExp, path: string): boolean {
  if (pattern instanceof RegExp) return pattern.test(path);
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}
