import { KAGUYA_TC_COLLECTIONS, SandboxCatalog } from './catalog.js';
import { FaultBook, type FaultRule } from './faults.js';
import { startServer } from './http-server.js';
import type { RequestLogEntry } from './request-log.js';
import { templates } from './templates.js';

export { KAGUYA_TC_COLLECTIONS, SandboxCatalog } from './catalog.js';
export type { FaultRule } from './faults.js';
export type { RequestLogEntry } from './request-log.js';

export interface SandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Seed of the catalog (and of `failureRate`'s draws). Same seed, same catalog. Default 42. */
  seed?: number;
  /** Collections and their sizes; default the three Kaguya TC collections with `itemsPerCollection` each. */
  collections?: Array<{ id: string; items: number }>;
  /** Default 2000: a 2°×2° box in the nearside patch (`bbox: [3, 4, 5, 6]`) then matches tens of items. */
  itemsPerCollection?: number;
  /** Added before every answer. Default 0. */
  latencyMs?: number;
  /** Share of requests (0–1) answered 503 with stac-server's body, drawn from the seed. Default 0. */
  failureRate?: number;
  /** Scripted faults (more with `addFault`). */
  faults?: FaultRule[];
  /**
   * Serve these conformance classes instead of stac-server v4's. Without a filter class the sandbox ignores
   * `filter`, as a server without the extension would.
   */
  conformsTo?: string[];
  /** A broken server: every page fetched with a token links to that same token again (page 2's next = page 1's). */
  repeatNextLink?: boolean;
  /** Links as the USGS deployment writes them, with a doubled slash (`http://127.0.0.1:port//collections`). */
  doubleSlashLinks?: boolean;
}

export interface Sandbox {
  /** API root, ends with '/'. */
  url: string;
  close(): Promise<void>;
  /** Every request received, in arrival order; empty it with `clearRequests()` (or `requests.length = 0`). */
  requests: RequestLogEntry[];
  clearRequests(): void;
  addFault(rule: FaultRule): void;
  /** The served catalog: lets tests compute the exact expected result of a search (`catalog.search({...})`). */
  catalog: SandboxCatalog;
}

export const DEFAULT_ITEMS_PER_COLLECTION = 2000;

/**
 * Starts a STAC API on 127.0.0.1 that answers as the USGS one (stac-server v4) with a generated catalog of
 * Kaguya TC items shaped after real ones: for the demo, tests and benchmarks.
 *
 * ```ts
 * const sandbox = await startSandbox({ itemsPerCollection: 50, faults: [{ path: '/search', status: 429, times: 1, retryAfter: '1' }] });
 * const page = await (await fetch(`${sandbox.url}search?bbox=3,4,5,6`)).json();
 * await sandbox.close();
 * ```
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const seed = options.seed ?? 42;
  const perCollection = options.itemsPerCollection ?? DEFAULT_ITEMS_PER_COLLECTION;
  const collections = options.collections ?? KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: perCollection }));
  const catalog = new SandboxCatalog(seed, collections);
  const failureRate = options.failureRate ?? 0;
  if (!(failureRate >= 0 && failureRate <= 1)) throw new RangeError(`sandbox: failureRate must be between 0 and 1, got ${failureRate}`);
  const faults = new FaultBook(seed, failureRate, options.faults);
  const requests: RequestLogEntry[] = [];
  const server = await startServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    latencyMs: options.latencyMs ?? 0,
    faults,
    log: requests,
    doubleSlashLinks: options.doubleSlashLinks ?? false,
    context: { catalog, conformsTo: options.conformsTo ?? templates().conformsTo, repeatNextLink: options.repeatNextLink ?? false },
  });
  return {
    url: server.url,
    close: server.close,
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    addFault: (rule) => faults.add(rule),
    catalog,
  };
}
