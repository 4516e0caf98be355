import type { Logger } from 'pino';
import { createHttpClient } from '../http/client.js';
import type { HttpLimits } from '../http/limits.js';
import type { TransportOptions } from './transport.js';

/**
 * How `search --matched` and `collections` talk to a STAC API outside a run: the run's HTTP client (one retry
 * loop, its limits and deadlines; retries logged as a run logs them), the headers sent to the api's origin
 * only, and a line when they were withheld from another.
 */
export function apiTransport(api: string, headers: Readonly<Record<string, string>>, limits: HttpLimits, log: Logger): TransportOptions {
  const http = createHttpClient({
    limits,
    onRetry: (info) => log.info({ ...info }, `retrying ${info.method} ${info.url} in ${info.delayMs} ms (retry ${info.attempt}): ${info.reason}`),
  });
  const origin = new URL(api).origin;
  return {
    http,
    limits,
    apiHeaders: { origin, headers },
    onWithheld: ({ url, headers: names }) => log.warn({ url, headers: names }, `not sending ${names.join(', ')} to ${new URL(url).origin}: headers go to the api's origin (${origin}) only`),
  };
}
