import http from 'node:http';
import https from 'node:https';
import { got, type Got } from 'got';
import { USER_AGENT } from '../version.js';
import { DEFAULT_LIMITS, type HttpLimits } from './limits.js';

/** A retry about to happen, for logs and the run's `http` retries counter. */
export interface RetryInfo {
  url: string;
  method: string;
  /** 1 for the first retry. */
  attempt: number;
  status?: number;
  /** Why the attempt failed: ERR_LOW_SPEED, ECONNREFUSED, ERR_HTTP_STATUS... */
  code?: string;
  /** What happened, in words: `body cut short at 500 of 1000 bytes`. */
  reason: string;
  delayMs: number;
}

export interface HttpClientSettings {
  /** Deadlines, sizes and retries (`http:` of the pipeline file). */
  limits: HttpLimits;
  /** Sockets kept open per host. */
  maxSockets: number;
  /** Called before each retry of src/http/request.ts. */
  onRetry?: (info: RetryInfo) => void;
}

export const DEFAULT_CLIENT: Readonly<HttpClientSettings> = Object.freeze({ limits: DEFAULT_LIMITS, maxSockets: 64 });

/** Where the settings ride on the got instance (got's `context`: user data kept through `extend`). */
const SETTINGS = 'stacflow';

/**
 * The one got instance of a run: keep-alive agents, User-Agent `stacflow/<version>`, the connection and
 * response-head deadlines of `limits`, and got's own retry OFF (limit 0): src/http/request.ts is the one
 * retry loop for the STAC API and plain-HTTP labels and HEADs, the download engine retries bodies itself, so
 * layers never multiply. The settings travel with the instance, so every request through it knows the run's
 * limits and reports its retries (clientSettings).
 */
export function createHttpClient(overrides: Partial<HttpClientSettings> = {}): Got {
  const settings: HttpClientSettings = { ...DEFAULT_CLIENT, ...overrides };
  const { limits } = settings;
  const agent = {
    http: new http.Agent({ keepAlive: true, maxSockets: settings.maxSockets }),
    https: new https.Agent({ keepAlive: true, maxSockets: settings.maxSockets }),
  };
  return got.extend({
    agent,
    headers: { 'user-agent': USER_AGENT },
    // No whole-request deadline here: download bodies take as long as they take (they have their own checks).
    timeout: { lookup: limits.connectTimeoutMs, connect: limits.connectTimeoutMs, secureConnect: limits.connectTimeoutMs, response: limits.headTimeoutMs },
    retry: { limit: 0 },
    context: { [SETTINGS]: settings },
  });
}

/** The settings `http` was made with (DEFAULT_CLIENT for a got instance made elsewhere). */
export function clientSettings(client: Got): HttpClientSettings {
  const context = client.defaults.options.context as Record<string, unknown> | undefined;
  return (context?.[SETTINGS] as HttpClientSettings | undefined) ?? DEFAULT_CLIENT;
}
