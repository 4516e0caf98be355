/**
 * The sandbox's S3 endpoint: s3rver 3.7 in-process, on 127.0.0.1 (its own port), behind a thin front
 * (server.ts). Point a pipeline at it with `s3: { endpoint: <s3Endpoint> }`: every S3 href of the sandbox
 * items (`https://astrogeo-ard.s3-us-west-2.amazonaws.com/moon/kaguya/terrain_camera/<kind>/uncontrolled/<ID>/…`)
 * is then read path-style from it, at the same bucket and key.
 *
 * What it holds, per catalog item (objects.ts): `<ID>.caminfo.pvl`, the item's caminfo label rendered from
 * the real one (caminfo.ts), and `<ID>.tif`, `imageBytes` deterministic bytes (image-bytes.ts). The item's
 * other assets answer NoSuchKey, as the real bucket does for some advertised objects. `sandbox.s3.caminfo(id)`
 * and `sandbox.s3.image(id)` give the exact bytes served (also `caminfoFor` / `imageBytes` without a server).
 *
 * How it is filled: s3rver stores on disk, so objects go to a temp folder (removed on close). Writing every
 * object of a big catalog up front would take seconds per thousand items, so only the `objects` items are
 * written at startup (default: the tutorial-bbox items, at most 100), and any other item's object is written
 * on its first GET or HEAD, before s3rver answers it. Reads therefore see every item; listings see only what
 * was written so far. `lazy: false` turns that off (unwritten objects are NoSuchKey).
 *
 * Failures for tests: `missing` (NoSuchKey), `forbidden` (403 AccessDenied), `faults` / `addFault` (any
 * status, N times, with Retry-After; a body cut after N bytes, `cutAfterBytes`; a body or head that stalls,
 * `stallAfterBytes` / `stallHead`), `replaceImage` (the object changes: new bytes, new ETag), the sandbox's
 * `changeCatalog` (a touched item's label and image follow its revision, a removed item's objects are deleted), `latencyMs`, and
 * the sandbox's random faults (`faultRate`, drawn per request and attempt: see random-faults.ts). Every request
 * is logged with its headers and the fault it met (`requests`).
 *
 * s3rver quirks, and what the front does about them:
 * - GET, HEAD, `bytes=a-b` and `bytes=a-` ranges, If-None-Match (304) work on Node 20 / OpenSSL 3 with no flag.
 * - `bytes=-N` (suffix) is served as bytes 0..N, `bytes=0-0` as the whole object with a 206, and only one of
 *   several ranges is served: the front answers 501 NotImplemented to all three (not retried by S3 clients).
 * - If-Match is ignored by s3rver: the front checks it against the object's ETag (412 PreconditionFailed).
 * - Listing works (ListObjects v1 with markers, ListObjectsV2 in one page), but a ListObjectsV2 page that needs
 *   a continuation token makes s3rver encrypt it with DES, which OpenSSL 3 only has with
 *   `node --openssl-legacy-provider` (else s3rver answers 500). The front answers 501 with that advice
 *   instead, before s3rver tries. stacflow itself never lists (labels and downloads read known keys).
 * - s3rver's own `putObject` resolves before its file is flushed; the sandbox writes its objects itself in
 *   s3rver's layout (object-writer.ts), finished before the server answers.
 * - NoSuchKey from s3rver lacks RequestId and HostId; the front answers its own (real-shaped) errors.
 */
import { StallKeeper } from '../body-faults.js';
import type { SandboxCatalog } from '../catalog.js';
import type { RandomFaults } from '../random-faults.js';
import { caminfoFor, DEFAULT_CAMINFO_OPTIONS, type CaminfoDocument, type CaminfoOptions } from './caminfo.js';
import { DEFAULT_IMAGE_BYTES, imageBytes } from './image-bytes.js';
import { objectKey, SANDBOX_BUCKET, type ServedAsset } from './objects.js';
import { ObjectRules, type S3FaultRule } from './rules.js';
import { startS3Server, type S3RequestLogEntry } from './server.js';

export { caminfoFor, caminfoVariant, type CaminfoDocument, type CaminfoOptions, type CaminfoVariant } from './caminfo.js';
export { DEFAULT_IMAGE_BYTES, imageBytes, imageChunks } from './image-bytes.js';
export { objectKey, objectOf, SANDBOX_BUCKET, SERVED_ASSETS, type ServedAsset } from './objects.js';
export type { S3FaultRule } from './rules.js';
export type { S3RequestLogEntry } from './server.js';

/** The tutorial's box: the sandbox writes its items' objects at startup by default. */
export const DEMO_BBOX: readonly [number, number, number, number] = Object.freeze([3, 4, 5, 6]) as readonly [number, number, number, number];

/** Items written at startup by default (so startup stays well under a second whatever the catalog size). */
export const DEFAULT_PREFILL_LIMIT = 100;

export interface SandboxS3Options {
  /** Default true. */
  enabled?: boolean;
  /** Default 0: any free port (the STAC API and S3 listen on separate ports). */
  port?: number;
  /** Size of every `image` object in bytes. Default 64 KiB. */
  imageBytes?: number;
  /**
   * Items whose objects are written at startup, and so seen by listings: `'bbox'` (those in the tutorial's
   * bbox [3, 4, 5, 6]), `'all'` (slow for big catalogs: about a second per thousand items at the default image
   * size), `'none'`, or a number N (the first N items by time). Default: the bbox items, at most
   * DEFAULT_PREFILL_LIMIT of them (all 47 of the default catalog; a 200,000-item catalog has ~1,600 there).
   * Every other item's objects are written on their first GET/HEAD (unless `lazy: false`).
   */
  objects?: 'all' | 'bbox' | 'none' | number;
  /** Write objects on first read. Default true; false: only the `objects` items exist. */
  lazy?: boolean;
  /** Items whose objects do not exist (NoSuchKey): an item id (both objects) or `<id>/<asset>` (`<id>/image`). */
  missing?: string[];
  /** Items whose objects answer 403 AccessDenied; same forms as `missing`. */
  forbidden?: string[];
  /** Scripted failures (more with `addFault`). */
  faults?: S3FaultRule[];
  /** Delay before every answer, in ms (a real bucket answers in 10–30 ms). Default 0. */
  latencyMs?: number;
  /**
   * Answer plain GETs of the items' objects (no Range, no condition) from memory, with s3rver's bytes and
   * headers, instead of through s3rver, which takes ~1.5 ms of CPU a request: too slow to measure a client
   * at 1,600 labels/s (bench/labels.ts). Objects read are kept in memory. Default false.
   */
  memoryReads?: boolean;
  /** Share (0–1) of items whose caminfo has NULL geometry values. Default 0.03. */
  nullGeometryShare?: number;
  /** Share (0–1) of items whose caminfo nests the cube label (`Object = IsisLabel`). Default 0.05. */
  isisLabelShare?: number;
}

/** The running sandbox S3 and what tests need to know what it serves. */
export interface SandboxS3 {
  /** `http://127.0.0.1:PORT` (no trailing slash): the pipeline's `s3.endpoint`. */
  endpoint: string;
  /** `astrogeo-ard`, as in the real hrefs. */
  bucket: string;
  /** Every request received, in arrival order, with all headers. */
  requests: S3RequestLogEntry[];
  clearRequests(): void;
  addFault(rule: S3FaultRule): void;
  /** The caminfo label served for an item, with the angles a pipeline reads from it. Throws for an unknown id. */
  caminfo(id: string): CaminfoDocument;
  /** The image bytes served for an item. */
  image(id: string): Uint8Array;
  /** Serves `bytes` as the item's image from now on (another size and ETag: a changed object). */
  replaceImage(id: string, bytes: Uint8Array): Promise<void>;
  /** The object key of an item's asset (as its href names it). */
  key(id: string, asset: ServedAsset): string;
  /** Item `g` was ingested, new or again (the sandbox's `changeCatalog` calls this): its objects follow its revision. */
  ingested(g: number): Promise<void>;
  /** Item `g` was removed (the sandbox's `changeCatalog` calls this): its objects are deleted. */
  removed(g: number): Promise<void>;
  /** Image size in bytes. */
  imageBytes: number;
  /** s3rver's storage: a temp folder, removed by close(). */
  directory: string;
  close(): Promise<void>;
}

/** What the sandbox shares with its S3 endpoint: the random faults (its seed and rate) and the stalled sockets. */
export interface SharedFaults {
  random?: RandomFaults;
  stalls?: StallKeeper;
}

/** Starts the sandbox's S3 endpoint for `catalog` on `host` (see SandboxS3Options). */
export async function startSandboxS3(catalog: SandboxCatalog, host: string, options: SandboxS3Options = {}, shared: SharedFaults = {}): Promise<SandboxS3> {
  const size = options.imageBytes ?? DEFAULT_IMAGE_BYTES;
  const latencyMs = options.latencyMs ?? 0;
  if (!(latencyMs >= 0 && Number.isFinite(latencyMs))) throw new RangeError(`sandbox: s3.latencyMs must be 0 or more, got ${latencyMs}`);
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`sandbox: s3.imageBytes must be a whole number >= 0, got ${size}`);
  const caminfo: CaminfoOptions = {
    nullGeometryShare: share('nullGeometryShare', options.nullGeometryShare ?? DEFAULT_CAMINFO_OPTIONS.nullGeometryShare),
    isisLabelShare: share('isisLabelShare', options.isisLabelShare ?? DEFAULT_CAMINFO_OPTIONS.isisLabelShare),
  };
  const rules = new ObjectRules({ missing: options.missing, forbidden: options.forbidden, faults: options.faults });
  const requests: S3RequestLogEntry[] = [];
  const server = await startS3Server({
    host,
    port: options.port ?? 0,
    catalog,
    imageBytes: size,
    caminfo,
    prefill: options.objects === undefined ? prefillItems(catalog, 'bbox').slice(0, DEFAULT_PREFILL_LIMIT) : prefillItems(catalog, options.objects),
    lazy: options.lazy ?? true,
    rules,
    memoryReads: options.memoryReads ?? false,
    random: shared.random,
    stalls: shared.stalls ?? new StallKeeper(),
    latencyMs,
    log: requests,
  });
  const find = (id: string): number => {
    const g = catalog.find(id);
    if (g < 0) throw new RangeError(`sandbox S3: no item ${id} in the catalog`);
    return g;
  };
  return {
    endpoint: server.endpoint,
    bucket: SANDBOX_BUCKET,
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    addFault: (rule) => rules.addFault(rule),
    caminfo: (id) => caminfoFor(catalog, find(id), caminfo),
    image: (id) => server.replacement(find(id), 'image') ?? imageBytes(catalog.seed, find(id), size, catalog.revision(find(id))),
    replaceImage: (id, bytes) => server.replace(find(id), 'image', bytes),
    key: (id, asset) => objectKey(catalog, find(id), asset),
    ingested: server.ingested,
    removed: server.removed,
    imageBytes: size,
    directory: server.directory,
    close: server.close,
  };
}

/** Items (by `g`) whose objects are written at startup. */
export function prefillItems(catalog: SandboxCatalog, objects: SandboxS3Options['objects']): number[] {
  if (objects === 'none') return [];
  if (objects === 'all') return Array.from({ length: catalog.size }, (_, g) => g);
  if (typeof objects === 'number') {
    if (!(objects >= 0)) throw new RangeError(`sandbox: s3.objects must be 'all', 'bbox', 'none' or a number >= 0, got ${objects}`);
    return Array.from({ length: Math.min(catalog.size, Math.floor(objects)) }, (_, g) => g);
  }
  return catalog.search({ bbox: [...DEMO_BBOX] }).map(({ id }) => catalog.find(id));
}

function share(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`sandbox: s3.${name} must be between 0 and 1, got ${value}`);
  return value;
}
