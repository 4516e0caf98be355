import { createCipheriv } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stallBody, stallHead, truncateBody, type StallKeeper } from '../body-faults.js';
import type { SandboxCatalog } from '../catalog.js';
import type { RandomFaults } from '../random-faults.js';
import { caminfoFor, type CaminfoOptions } from './caminfo.js';
import { codeForStatus, S3_MESSAGES, sendS3Error } from './errors-xml.js';
import { imageChunks } from './image-bytes.js';
import { CONTENT_TYPES, objectKey, objectOf, SANDBOX_BUCKET, type ServedAsset } from './objects.js';
import { writeObject, type S3rverStore } from './object-writer.js';
import { ObjectRules, type S3FaultRule } from './rules.js';
import { wakeableSleeps } from '../wakeable-sleeps.js';

/** One request the sandbox S3 received, with every header (tests check that no Authorization was sent). */
export interface S3RequestLogEntry {
  method: string;
  /** The request target as sent (`/astrogeo-ard/moon/...`, encoded). */
  url: string;
  bucket?: string;
  /** Decoded key. */
  key?: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Status answered (0 until the answer is sent; stays 0 when the connection was reset or the head stalled). */
  status: number;
  /** The fault met, when one was: `503`, `429` (sent as 503 SlowDown), `reset`, `truncate`, `stall`, or a scripted status. */
  fault?: string;
}

export interface S3ServerSettings {
  host: string;
  port: number;
  catalog: SandboxCatalog;
  imageBytes: number;
  caminfo: CaminfoOptions;
  /** Items whose objects are written before the server answers (listings see them); others on first read. */
  prefill: readonly number[];
  lazy: boolean;
  rules: ObjectRules;
  /** Serve plain GETs of the served objects from memory (same bytes and headers), not through s3rver. */
  memoryReads: boolean;
  /** Random faults (`--fault-rate`), drawn per request and attempt; none when absent. */
  random?: RandomFaults;
  /** Holds the sockets of stalled answers. */
  stalls: StallKeeper;
  /** Delay before every answer. */
  latencyMs: number;
  log: S3RequestLogEntry[];
}

export interface RunningS3Server {
  /** `http://127.0.0.1:PORT`, no trailing slash (what `s3.endpoint` takes). */
  endpoint: string;
  /** s3rver's storage folder (a temp folder removed by close()). */
  directory: string;
  /** Serves `content` for item `g`'s asset from now on (a new ETag: the object "changed"). */
  replace(g: number, asset: ServedAsset, content: Uint8Array): Promise<void>;
  /** The content `replace` gave item `g`'s asset, if any. */
  replacement(g: number, asset: ServedAsset): Uint8Array | undefined;
  /**
   * Item `g` was ingested (new or touched: catalog-changes.ts): its objects are written again from its current
   * revision (new bytes, new ETag), now when they had been written or nothing is made on read (`lazy: false`),
   * else on their first read. A `replace` before is forgotten: the ingest wrote the object anew.
   */
  ingested(g: number): Promise<void>;
  /** Item `g` was removed from the catalog: its objects are deleted (NoSuchKey from now on). */
  removed(g: number): Promise<void>;
  close(): Promise<void>;
}

/** Whether this process can encrypt with DES, which s3rver needs for ListObjectsV2 continuation tokens. */
const DES_AVAILABLE = ((): boolean => {
  try {
    createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
})();

/**
 * s3rver in-process behind a thin node:http front that adds what s3rver lacks: objects made on first read
 * (so a catalog of thousands of items starts in milliseconds), NoSuchKey and AccessDenied for chosen items,
 * scripted faults, If-Match (412), a request log, and plain refusals where s3rver would answer wrongly
 * (suffix ranges, `bytes=0-0`, multiple ranges; ListObjectsV2 pages when this Node has no DES, which s3rver's
 * continuation tokens need: see the quirks in index.ts).
 */
export async function startS3Server(settings: S3ServerSettings): Promise<RunningS3Server> {
  // Loaded here, not at the top: s3rver (koa, winston, lodash) takes a good part of a second to import, and
  // every `stacflow` command imports the sandbox module.
  const { default: S3rver } = await import('s3rver');
  const directory = await mkdtemp(path.join(os.tmpdir(), 'stacflow-sandbox-s3-'));
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: [{ name: SANDBOX_BUCKET }] });
  // Errors s3rver answers with 500 (it logs nothing: silent); the front's log has the status.
  s3rver.on('error', () => undefined);
  await s3rver.configureBuckets();
  const store = s3rver.store as S3rverStore;
  const delegate = s3rver.callback();
  const written = new Map<string, Promise<{ size: number; md5: string }>>();
  /** Objects replaced by `replace()`: their new content, by key. */
  const replaced = new Map<string, Uint8Array>();
  const { catalog } = settings;

  const contentOf = (g: number, asset: ServedAsset, key: string): Uint8Array | Iterable<Uint8Array> =>
    replaced.get(key) ?? (asset === 'caminfo_pvl'
      ? new TextEncoder().encode(caminfoFor(catalog, g, settings.caminfo).text)
      : imageChunks(catalog.seed, g, settings.imageBytes, catalog.revision(g)));
  /** memoryReads: the objects read so far, as s3rver would answer them. */
  const inMemory = new Map<string, { bytes: Buffer; headers: Record<string, string> }>();

  const ensure = (g: number, asset: ServedAsset): Promise<{ size: number; md5: string }> => {
    const key = objectKey(catalog, g, asset);
    let done = written.get(key);
    if (!done) {
      inMemory.delete(key);
      done = writeObject(store, SANDBOX_BUCKET, key, contentOf(g, asset, key), CONTENT_TYPES[asset]);
      written.set(key, done);
      done.catch(() => written.delete(key));
    }
    return done;
  };

  /** Forgets what was written or kept for `key` (after its pending write ends); says whether it had been written. */
  const settle = async (key: string): Promise<boolean> => {
    const pending = written.get(key);
    await pending?.catch(() => undefined);
    written.delete(key);
    inMemory.delete(key);
    replaced.delete(key);
    return pending !== undefined;
  };

  try {
    await inBatches(settings.prefill, 16, async (g) => {
      for (const asset of ['caminfo_pvl', 'image'] as const) {
        if (!settings.rules.isMissing(catalog, g, asset)) await ensure(g, asset);
      }
    });
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }

  const { sleep, wakeAll } = wakeableSleeps();

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendS3Error(res, req.method === 'HEAD', 500, 'InternalError', `sandbox S3: ${String(err)}`);
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const head = method === 'HEAD';
    const target = req.url ?? '/';
    const mark = target.indexOf('?');
    const rawPath = mark < 0 ? target : target.slice(0, mark);
    const query = Object.fromEntries(new URLSearchParams(mark < 0 ? '' : target.slice(mark + 1)));
    const slash = rawPath.indexOf('/', 1);
    const bucket = decode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash)) || undefined;
    const key = slash < 0 ? undefined : decode(rawPath.slice(slash + 1)) || undefined;
    const entry: S3RequestLogEntry = { method, url: target, bucket, key, query, headers: { ...req.headers }, status: 0 };
    settings.log.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    // A body cut short or stalled never finishes: log the status its head carried.
    res.on('close', () => {
      if (entry.status === 0 && res.headersSent) entry.status = res.statusCode;
    });
    if (settings.latencyMs > 0) await sleep(settings.latencyMs);
    if (res.destroyed || req.socket.destroyed) return;

    const served = bucket === SANDBOX_BUCKET && key !== undefined ? objectOf(catalog, key) : undefined;
    const reading = method === 'GET' || head;
    const scripted = reading && bucket && key ? settings.rules.fault(catalog, key, served, method) : undefined;
    if (scripted) {
      entry.fault = scriptedKind(scripted);
      if (scripted.cutAfterBytes !== undefined) truncateBody(res, scripted.cutAfterBytes);
      else if (scripted.stallAfterBytes !== undefined) stallBody(res, scripted.stallAfterBytes, settings.stalls, scripted.stallMs);
      else if (scripted.stallHead) {
        stallHead(res, settings.stalls, scripted.stallMs);
        return;
      } else {
        const status = scripted.status ?? 500;
        const code = scripted.code ?? codeForStatus(status);
        sendS3Error(res, head, status, code, S3_MESSAGES[code] ?? code, code === 'NoSuchKey' ? { Key: key as string } : {},
          scripted.retryAfter !== undefined ? { 'retry-after': scripted.retryAfter } : {});
        return;
      }
    } else {
      const drawn = settings.random?.draw(method, target, req.headers.range?.trim() ?? '');
      if (drawn) {
        // A HEAD has no body: a truncation drops its connection, a stall withholds its head.
        const kind = head && drawn.kind === 'truncate' ? 'reset' : drawn.kind;
        entry.fault = kind;
        const share = (length = 0) => Math.floor(drawn.at * length);
        if (kind === '503') {
          sendS3Error(res, head, 503, 'ServiceUnavailable', S3_MESSAGES.ServiceUnavailable);
          return;
        }
        if (kind === '429') {
          // S3 throttles with 503 SlowDown (it never answers 429).
          sendS3Error(res, head, 503, 'SlowDown', S3_MESSAGES.SlowDown);
          return;
        }
        if (kind === 'reset') {
          req.socket.destroy();
          return;
        }
        if (kind === 'stall' && head) {
          stallHead(res, settings.stalls);
          return;
        }
        if (kind === 'truncate') truncateBody(res, share);
        else stallBody(res, share, settings.stalls);
      }
    }
    if (reading && served) {
      const { g, asset } = served;
      if (settings.rules.isForbidden(catalog, g, asset)) {
        sendS3Error(res, head, 403, 'AccessDenied', S3_MESSAGES.AccessDenied);
        return;
      }
      if (settings.rules.isMissing(catalog, g, asset) || (!settings.lazy && !written.has(key as string))) {
        sendS3Error(res, head, 404, 'NoSuchKey', S3_MESSAGES.NoSuchKey, { Key: key as string });
        return;
      }
    }
    if (reading && bucket === SANDBOX_BUCKET && key !== undefined && !served && !(await store.existsObject(bucket, key))) {
      // What the real bucket answers for the assets the sandbox does not hold (thumbnail, provenance...).
      sendS3Error(res, head, 404, 'NoSuchKey', S3_MESSAGES.NoSuchKey, { Key: key });
      return;
    }
    const range = req.headers.range?.trim();
    if (method === 'GET' && range !== undefined && (!/^bytes=\d+-(\d+)?$/.test(range) || /^bytes=0+-0+$/.test(range))) {
      // s3rver reads `bytes=-N` as bytes 0..N, `bytes=0-0` as the whole object, and ignores all but one of
      // several ranges: refuse them rather than answer wrongly (501 is not retried by S3 clients).
      sendS3Error(res, head, 501, 'NotImplemented', `sandbox S3 (s3rver) cannot serve Range: ${range}; ask for bytes=start-end or bytes=start-`);
      return;
    }
    if (method === 'GET' && bucket && key === undefined && query['list-type'] === '2' && !DES_AVAILABLE) {
      const listing = await store.listObjects(bucket, {
        prefix: query.prefix, delimiter: query.delimiter, maxKeys: Math.min(1000, Number(query['max-keys'] ?? 1000)), startAfter: query['start-after'],
      }).catch(() => ({ isTruncated: false }));
      if (listing.isTruncated || query['continuation-token'] !== undefined) {
        sendS3Error(res, false, 501, 'NotImplemented',
          'sandbox S3: ListObjectsV2 pages need DES for s3rver\'s continuation tokens; run node with --openssl-legacy-provider, or list with ListObjects (v1)');
        return;
      }
    }
    if (reading && served && (settings.lazy || written.has(key as string))) {
      const { md5 } = await ensure(served.g, served.asset);
      // s3rver ignores If-Match; S3 answers 412 when the object changed (a resumed download relies on it).
      const ifMatch = req.headers['if-match']?.trim();
      if (ifMatch !== undefined && ifMatch !== '*' && !ifMatch.split(/\s*,\s*/).includes(`"${md5}"`)) {
        sendS3Error(res, head, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' });
        return;
      }
      // The AWS SDK adds `?x-id=GetObject` to its GETs; any other parameter (versionId, partNumber,
      // response-*) changes the answer: s3rver's.
      const plain = Object.keys(query).every((name) => name === 'x-id');
      if (settings.memoryReads && method === 'GET' && plain && !hasConditions(req)) {
        const object = await fromMemory(served.g, served.asset, key as string, md5);
        res.writeHead(200, object.headers);
        res.end(object.bytes);
        return;
      }
    }
    delegate(req, res);
  }

  /** The object as s3rver answers a plain GET: its bytes, ETag, type, and the time it was first read. */
  async function fromMemory(g: number, asset: ServedAsset, key: string, md5: string): Promise<{ bytes: Buffer; headers: Record<string, string> }> {
    let object = inMemory.get(key);
    if (!object) {
      const content = contentOf(g, asset, key);
      const bytes = content instanceof Uint8Array ? Buffer.from(content) : Buffer.concat([...content]);
      object = {
        bytes,
        headers: {
          'accept-ranges': 'bytes', 'content-length': String(bytes.length), 'content-type': CONTENT_TYPES[asset],
          etag: `"${md5}"`, 'last-modified': new Date().toUTCString(),
        },
      };
      inMemory.set(key, object);
    }
    return object;
  }

  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  }).catch(async (err: unknown) => {
    await rm(directory, { recursive: true, force: true });
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return {
    endpoint: `http://${host}:${port}`,
    directory,
    replace: async (g, asset, content) => {
      const key = objectKey(catalog, g, asset);
      await written.get(key)?.catch(() => undefined);
      replaced.set(key, content);
      written.delete(key);
      await ensure(g, asset);
    },
    replacement: (g, asset) => replaced.get(objectKey(catalog, g, asset)),
    ingested: async (g) => {
      for (const asset of ['caminfo_pvl', 'image'] as const) {
        const key = objectKey(catalog, g, asset);
        const wasWritten = await settle(key);
        if ((wasWritten || !settings.lazy) && !settings.rules.isMissing(catalog, g, asset)) await ensure(g, asset);
      }
    },
    removed: async (g) => {
      for (const asset of ['caminfo_pvl', 'image'] as const) {
        const key = objectKey(catalog, g, asset);
        await settle(key);
        await Promise.all(['object', 'object.md5', 'metadata.json'].map((part) => rm(store.getResourcePath(SANDBOX_BUCKET, key, part), { force: true })));
      }
    },
    close: async () => {
      wakeAll();
      settings.stalls.releaseAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.allSettled(written.values());
      s3rver.logger.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** How the log names a scripted fault. */
function scriptedKind(rule: S3FaultRule): string {
  if (rule.cutAfterBytes !== undefined) return 'truncate';
  if (rule.stallAfterBytes !== undefined || rule.stallHead) return 'stall';
  return String(rule.status ?? 500);
}

/** Whether a GET asks for part of an object or a condition (those go to s3rver, or are checked above). */
const hasConditions = (req: http.IncomingMessage): boolean =>
  req.headers.range !== undefined || req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined
  || req.headers['if-unmodified-since'] !== undefined;

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}

export type { S3FaultRule };
