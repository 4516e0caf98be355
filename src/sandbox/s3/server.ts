import { createCipheriv } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SandboxCatalog } from '../catalog.js';
import { caminfoFor, type CaminfoOptions } from './caminfo.js';
import { codeForStatus, S3_MESSAGES, sendS3Error } from './errors-xml.js';
import { imageChunks } from './image-bytes.js';
import { CONTENT_TYPES, objectKey, objectOf, SANDBOX_BUCKET, type ServedAsset } from './objects.js';
import { writeObject, type S3rverStore } from './object-writer.js';
import { ObjectRules, type S3FaultRule } from './rules.js';

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
  /** Status answered (0 until the answer is sent). */
  status: number;
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

  const ensure = (g: number, asset: ServedAsset): Promise<{ size: number; md5: string }> => {
    const key = objectKey(catalog, g, asset);
    let done = written.get(key);
    if (!done) {
      const content = replaced.get(key) ?? (asset === 'caminfo_pvl'
        ? new TextEncoder().encode(caminfoFor(catalog, g, settings.caminfo).text)
        : imageChunks(catalog.seed, g, settings.imageBytes));
      done = writeObject(store, SANDBOX_BUCKET, key, content, CONTENT_TYPES[asset]);
      written.set(key, done);
      done.catch(() => written.delete(key));
    }
    return done;
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

    const served = bucket === SANDBOX_BUCKET && key !== undefined ? objectOf(catalog, key) : undefined;
    const reading = method === 'GET' || head;
    if (reading && bucket && key) {
      const fault = settings.rules.fault(catalog, key, served, method);
      if (fault?.cutAfterBytes !== undefined) cutBody(res, fault.cutAfterBytes);
      else if (fault) {
        const status = fault.status ?? 500;
        const code = fault.code ?? codeForStatus(status);
        sendS3Error(res, head, status, code, S3_MESSAGES[code] ?? code, code === 'NoSuchKey' ? { Key: key } : {},
          fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {});
        return;
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
    }
    delegate(req, res);
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
    close: async () => {
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

/**
 * Lets the answer's headers go out as they are (the full Content-Length), then only `limit` body bytes, then
 * destroys the socket: what a client sees when a connection drops mid-download.
 */
function cutBody(res: http.ServerResponse, limit: number): void {
  let sent = 0;
  let cut = false;
  const write = res.write.bind(res) as (chunk: Uint8Array, callback?: () => void) => boolean;
  const destroy = () => res.socket?.destroy();
  const take = (chunk: unknown): boolean => {
    if (cut) return false;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk instanceof Uint8Array ? chunk : Buffer.alloc(0);
    if (sent + bytes.length < limit) {
      sent += bytes.length;
      return write(bytes);
    }
    cut = true;
    // Flush the headers and the bytes allowed, then drop the connection.
    if (!res.headersSent) res.flushHeaders();
    write(bytes.subarray(0, limit - sent), destroy);
    sent = limit;
    return false;
  };
  res.write = ((chunk: unknown) => take(chunk)) as typeof res.write;
  res.end = ((chunk?: unknown) => {
    if (chunk !== undefined && typeof chunk !== 'function') take(chunk);
    // A body shorter than the limit: cut at its end anyway (the client still misses nothing but the close).
    if (!cut) {
      cut = true;
      if (!res.headersSent) res.flushHeaders();
      write(new Uint8Array(0), destroy);
    }
    return res;
  }) as typeof res.end;
}

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
