import http from 'node:http';
import https from 'node:https';
import { got, type Got, type RequestError } from 'got';
import { USER_AGENT } from '../version.js';
import { DEFAULT_RETRY, RETRY_ERROR_CODES, RETRY_STATUS_CODES, retryDelay, type RetrySettings } from './retry-policy.js';

export interface HttpSettings {
  retry: RetrySettings;
  /** Per-phase timeouts in ms (got's `timeout`): connect, response (first byte), whole request. */
  timeout: { connect: number; response: number; request?: number };
  /** Sockets kept open per host. */
  maxSockets: number;
  /** Called before each retry (for logs and the run's retry counter). */
  onRetry?: (info: { url: string; method: string; attempt: number; status?: number; code?: string; delayMs: number }) => void;
}

export const DEFAULT_HTTP: Readonly<HttpSettings> = Object.freeze({
  retry: DEFAULT_RETRY,
  timeout: { connect: 10_000, response: 60_000 },
  maxSockets: 64,
});

/**
 * The one got instance of a run: keep-alive agents, per-phase timeouts, retries on connection errors and
 * 408/429/500/502/503/504 for every method (POST searches too), backoff with jitter, Retry-After honoured,
 * User-Agent `stacflow/<version>`. Everything HTTP in stacflow goes through an instance made here.
 */
export function createHttpClient(overrides: Partial<HttpSettings> = {}): Got {
  const settings: HttpSettings = { ...DEFAULT_HTTP, ...overrides };
  const agent = {
    http: new http.Agent({ keepAlive: true, maxSockets: settings.maxSockets }),
    https: new https.Agent({ keepAlive: true, maxSockets: settings.maxSockets }),
  };
  return got.extend({
    agent,
    headers: { 'user-agent': USER_AGENT },
    timeout: settings.timeout,
    retry: {
      limit: settings.retry.limit,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'],
      statusCodes: [...RETRY_STATUS_CODES],
      errorCodes: [...RETRY_ERROR_CODES],
      // got caps Retry-After with maxRetryAfter before our policy sees it; let the policy decide.
      maxRetryAfter: Number.POSITIVE_INFINITY,
      calculateDelay: ({ attemptCount, error }) => {
        const delayMs = retryDelay(
          {
            attempt: attemptCount,
            status: error.response?.statusCode,
            code: error.response ? undefined : error.code,
            retryAfter: headerValue(error, 'retry-after'),
            now: Date.now(),
            random: Math.random(),
          },
          settings.retry,
        );
        if (delayMs > 0) {
          settings.onRetry?.({
            url: String(error.options?.url ?? ''),
            method: String(error.options?.method ?? 'GET'),
            attempt: attemptCount,
            status: error.response?.statusCode,
            code: error.code,
            delayMs,
          });
        }
        return delayMs;
      },
    },
  });
}

function headerValue(error: RequestError, name: string): string | undefined {
  const value = error.response?.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
