// The development sandbox (workspace @stacflow/sandbox): a STAC API and an S3 endpoint on 127.0.0.1 for the
// demo, the tests and the benchmarks. It may import the product's modules (item types, errors, S3 hrefs); the
// product reaches it only through src/cli/load-sandbox.ts, when `stacflow demo` or `stacflow sandbox` runs.
import { KAGUYA_TC_COLLECTIONS, SandboxCatalog } from './catalog.js';
import { applyCatalogChanges, type CatalogChangeResult, type CatalogChanges } from './catalog-changes.js';
import { DEFAULT_MAX_STALL_MS, StallKeeper } from './body-faults.js';
import { FaultBook, type FaultRule } from './faults.js';
import { startServer } from './http-server.js';
import type { RequestLogEntry } from './request-log.js';
import { FAULT_KINDS, RandomFaults, type FaultKind } from './random-faults.js';
import { startSandboxS3, type SandboxS3, type SandboxS3Options } from './s3/index.js';
import { templates } from './templates.js';
import { itemAssets } from './responses.js';
import { DEFAULT_IMAGE_BYTES } from './s3/image-bytes.js';

export { KAGUYA_TC_COLLECTIONS, SandboxCatalog } from './catalog.js';
export type { CatalogChangeResult, CatalogChanges, ItemRef } from './catalog-changes.js';
export type { FaultRule } from './faults.js';
export { FAULT_KINDS, MAX_CONSECUTIVE_FAULTS, parseFaultKinds, type FaultKind } from './random-faults.js';
export { DEFAULT_MAX_STALL_MS } from './body-faults.js';
export type { RequestLogEntry } from './request-log.js';
export type { CaminfoDocument, S3FaultRule, S3RequestLogEntry, SandboxS3, SandboxS3Options } from './s3/index.js';

export interface SandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Seed of the catalog (and of the random faults' draws). Same seed, same catalog, same faults. Default 42. */
  seed?: number;
  /** Collections and their sizes; default the three Kaguya TC collections with `itemsPerCollection` each. */
  collections?: Array<{ id: string; items: number }>;
  /** Default 2000: a 2°×2° box in the nearside patch (`bbox: [3, 4, 5, 6]`) then matches tens of items. */
  itemsPerCollection?: number;
  /** Added before every answer. Default 0. */
  latencyMs?: number;
  /**
   * Share (0–1) of requests, on the STAC API and on S3, that meet a random fault of `faultKinds`. Decided per
   * request and attempt from the seed (the n-th attempt of a request meets the same fault in every run), and
   * never more than MAX_CONSECUTIVE_FAULTS attempts in a row: retries get through. Default 0.
   */
  faultRate?: number;
  /** Kinds of random fault (default all: 503, 429, reset, truncate, stall; see random-faults.ts). */
  faultKinds?: FaultKind[];
  /** `faultRate` with `faultKinds: ['503']` (the older option). Give one of the two. */
  failureRate?: number;
  /**
   * Longest a stalled answer holds its connection (random stalls, and scripted ones without `stallMs`) before
   * the sandbox destroys it, in ms. Default 10 minutes; tests set it short. Closing the sandbox ends them all.
   */
  maxStallMs?: number;
  /** Scripted faults (more with `addFault`). */
  faults?: FaultRule[];
  /**
   * Serve these conformance classes instead of stac-server v4's. Without a filter class the sandbox ignores
   * `filter`, as a server without the extension would.
   */
  conformsTo?: string[];
  /**
   * The queryables schema served (`/queryables`, `/collections/{id}/queryables`): `open` (default, stac-server's
   * own when none is configured) allows any property; `closed` lists the items' properties with
   * `additionalProperties: false`, so a client can tell a misspelled one.
   */
  queryables?: 'open' | 'closed';
  /**
   * Collection documents with `item_assets` (each asset's type, title, roles; the image's `file:size`), as
   * APIs that use the item-assets extension serve them. Default false: the copied documents have none.
   */
  itemAssets?: boolean;
  /** A broken server: every page fetched with a token links to that same token again (page 2's next = page 1's). */
  repeatNextLink?: boolean;
  /** Links as the USGS deployment writes them, with a doubled slash (`http://127.0.0.1:port//collections`). */
  doubleSlashLinks?: boolean;
  /**
   * The S3 endpoint serving the items' `caminfo_pvl` and `image` objects (s3rver, on its own port). On by
   * default; `{ enabled: false }` starts the STAC API alone. See sandbox/s3/index.ts for the options.
   */
  s3?: SandboxS3Options;
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
  /** `http://127.0.0.1:PORT` of the S3 endpoint (the pipeline's `s3.endpoint`); '' when S3 is disabled. */
  s3Endpoint: string;
  /** The S3 endpoint: its request log, faults, and the exact caminfo text and image bytes it serves. */
  s3?: SandboxS3;
  /**
   * Changes the catalog as a night at the USGS would (catalog-changes.ts): adds new items, ingests some again
   * (`updated` stamped, content and objects changed) and deletes some, drawn from the seed. Resolves once the
   * API and S3 serve the new state. Also `POST /_sandbox/changes` with the same fields as JSON.
   */
  changeCatalog(changes: CatalogChanges): Promise<CatalogChangeResult>;
  /** `count` new items in `collection`, stamped `updated` now (or `at`); resolves to them. */
  addItems(collection: string, count: number, at?: CatalogChanges['at']): Promise<CatalogChangeResult['added']>;
  /** Ingests items again: `count` drawn from the seed, or these ids; resolves to them. */
  touchItems(items: number | readonly string[], at?: CatalogChanges['at']): Promise<CatalogChangeResult['touched']>;
  /** Deletes items: `count` drawn from the seed, or these ids; resolves to them. */
  removeItems(items: number | readonly string[]): Promise<CatalogChangeResult['removed']>;
}

export const DEFAULT_ITEMS_PER_COLLECTION = 2000;

/**
 * Starts a STAC API on 127.0.0.1 that answers as the USGS one (stac-server v4) with a generated catalog of
 * Kaguya TC items shaped after real ones, and an S3 endpoint serving their caminfo labels and images (see
 * s3/index.ts): for the demo, tests and benchmarks.
 *
 * ```ts
 * const sandbox = await startSandbox({ itemsPerCollection: 50, faults: [{ path: '/search', status: 429, times: 1, retryAfter: '1' }] });
 * const page = await (await fetch(`${sandbox.url}search?bbox=3,4,5,6`)).json();
 * const settings = { region: 'us-west-2', anonymous: true, endpoint: sandbox.s3Endpoint };
 * const { text } = await getObjectText(settings, page.features[0].assets.caminfo_pvl.href); // src/s3/client.ts
 * await sandbox.close();
 * ```
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const seed = options.seed ?? 42;
  const perCollection = options.itemsPerCollection ?? DEFAULT_ITEMS_PER_COLLECTION;
  const collections = options.collections ?? KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: perCollection }));
  const catalog = new SandboxCatalog(seed, collections);
  const random = randomFaults(seed, options);
  const stalls = new StallKeeper(options.maxStallMs ?? DEFAULT_MAX_STALL_MS);
  const faults = new FaultBook(options.faults, random);
  const requests: RequestLogEntry[] = [];
  const host = options.host ?? '127.0.0.1';
  const s3 = options.s3?.enabled === false ? undefined : await startSandboxS3(catalog, host, options.s3, { random, stalls });
  const changeCatalog = async (changes: CatalogChanges): Promise<CatalogChangeResult> => {
    const applied = applyCatalogChanges(catalog, changes);
    if (s3) {
      for (const g of applied.ingested) await s3.ingested(g);
      for (const g of applied.removed) await s3.removed(g);
    }
    return applied.result;
  };
  const server = await startServer({
    changeCatalog: (body) => changeCatalog(controlChanges(body)),
    host,
    port: options.port ?? 0,
    latencyMs: options.latencyMs ?? 0,
    faults,
    stalls,
    log: requests,
    doubleSlashLinks: options.doubleSlashLinks ?? false,
    context: { catalog, conformsTo: options.conformsTo ?? templates().conformsTo, repeatNextLink: options.repeatNextLink ?? false, queryables: options.queryables ?? 'open', ...(options.itemAssets ? { itemAssets: itemAssets(s3?.imageBytes ?? DEFAULT_IMAGE_BYTES) } : {}) },
  }).catch(async (err: unknown) => {
    await s3?.close();
    throw err;
  });
  return {
    url: server.url,
    close: async () => {
      await Promise.all([server.close(), s3?.close()]);
    },
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    addFault: (rule) => faults.add(rule),
    catalog,
    s3Endpoint: s3?.endpoint ?? '',
    s3,
    changeCatalog,
    addItems: async (collection, count, at) => (await changeCatalog({ add: { [collection]: count }, at })).added,
    touchItems: async (items, at) => (await changeCatalog({ touch: items, at })).touched,
    removeItems: async (items) => (await changeCatalog({ remove: items })).removed,
  };
}

/** The control route's JSON body as changes: the fields of CatalogChanges, checked (a wrong one is a 400). */
function controlChanges(body: unknown): CatalogChanges {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || body instanceof Error) {
    throw new RangeError('expected a JSON object such as {"add": {"<collection>": 10}, "touch": 5, "remove": 2}');
  }
  const known = new Set(['add', 'touch', 'remove', 'collection', 'at']);
  const unknown = Object.keys(body).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new RangeError(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  const { add, touch, remove, collection, at } = body as Record<string, unknown>;
  const items = (name: string, value: unknown) => {
    if (value === undefined || typeof value === 'number' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))) return value as number | string[] | undefined;
    throw new RangeError(`${name}: expected a number of items or a list of ids`);
  };
  if (add !== undefined && (typeof add !== 'object' || add === null || Array.isArray(add))) throw new RangeError('add: expected {"<collection>": count}');
  if (collection !== undefined && typeof collection !== 'string') throw new RangeError('collection: expected a collection id');
  if (at !== undefined && typeof at !== 'string' && typeof at !== 'number') throw new RangeError('at: expected RFC 3339 text or epoch milliseconds');
  return { add: add as Record<string, number> | undefined, touch: items('touch', touch), remove: items('remove', remove), collection, at };
}

/** The random faults asked for (`faultRate` + `faultKinds`, or the older `failureRate`: 503s), or none. */
function randomFaults(seed: number, options: SandboxOptions): RandomFaults | undefined {
  if (options.failureRate !== undefined && options.faultRate !== undefined) throw new RangeError('sandbox: give faultRate (with faultKinds) or failureRate (503 only), not both');
  if (options.failureRate !== undefined) {
    if (!(options.failureRate >= 0 && options.failureRate <= 1)) throw new RangeError(`sandbox: failureRate must be between 0 and 1, got ${options.failureRate}`);
    return options.failureRate > 0 ? new RandomFaults(seed, options.failureRate, ['503']) : undefined;
  }
  const rate = options.faultRate ?? 0;
  const faults = new RandomFaults(seed, rate, options.faultKinds ?? FAULT_KINDS);
  return rate > 0 ? faults : undefined;
}
