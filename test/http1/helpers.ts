import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { Readable } from 'node:stream';
import tls from 'node:tls';
import type { Http1Body, Origin } from '../../src/http1/connection.js';
import { Http1Pool, type PoolOptions } from '../../src/http1/pool.js';

/**
 * Loopback servers whose every byte on the wire is written by the test: a raw TCP (or TLS) server that splits
 * what the client sends into requests (GET and HEAD have no body: a request ends at CRLFCRLF) and hands each to
 * a script, and counts connections on its side.
 */

const TLS_DIR = new URL('../fixtures/tls/', import.meta.url);
export const TEST_CERT = readFileSync(new URL('cert.pem', TLS_DIR));
export const TEST_KEY = readFileSync(new URL('key.pem', TLS_DIR));

export interface ScriptedRequest {
  method: string;
  path: string;
  /** Field names in lower case. */
  headers: Record<string, string>;
  raw: string;
  /** Which server connection carried it (0 = the first accepted). */
  connection: number;
  /** Its place among the requests of that connection (0 = the first). */
  index: number;
}

export type Script = (request: ScriptedRequest, socket: net.Socket) => void;

export interface ScriptedServer {
  origin: Origin;
  requests: ScriptedRequest[];
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections open now (the server side has not seen them close). */
  readonly open: number;
  /** The most connections that were open at once. */
  readonly maxOpen: number;
  /** Bytes received from clients, over all connections. */
  readonly bytesReceived: number;
  close(): Promise<void>;
}

export async function startServer(script: Script, options: { https?: boolean } = {}): Promise<ScriptedServer> {
  const sockets = new Set<net.Socket>();
  const requests: ScriptedRequest[] = [];
  let connections = 0;
  let maxOpen = 0;
  let bytesReceived = 0;
  const onConnection = (socket: net.Socket) => {
    const connection = connections++;
    sockets.add(socket);
    maxOpen = Math.max(maxOpen, sockets.size);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // the client may reset: that is what some tests do
    let pending = '';
    let index = 0;
    socket.on('data', (data: Buffer) => {
      bytesReceived += data.byteLength;
      pending += data.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const raw = pending.slice(0, end + 4);
        pending = pending.slice(end + 4);
        const [requestLine, ...fields] = raw.slice(0, -4).split('\r\n');
        const [method, path] = requestLine.split(' ');
        const headers: Record<string, string> = {};
        for (const field of fields) {
          const colon = field.indexOf(':');
          headers[field.slice(0, colon).toLowerCase()] = field.slice(colon + 1).trim();
        }
        const request = { method, path, headers, raw, connection, index: index++ };
        requests.push(request);
        script(request, socket);
      }
    });
  };
  const server = options.https ? tls.createServer({ key: TEST_KEY, cert: TEST_CERT }, onConnection) : net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    origin: { protocol: options.https ? 'https:' : 'http:', hostname: '127.0.0.1', port },
    requests,
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    get maxOpen() {
      return maxOpen;
    },
    get bytesReceived() {
      return bytesReceived;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The bytes of a response: status line, the fields in the order given, the blank line, then `body`. */
export function response(status: string, headers: Array<[string, string | number]>, body: string | Buffer = ''): Buffer {
  const head = `HTTP/1.1 ${status}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body]);
}

/** A 200 answer carrying `body` with its Content-Length. */
export const ok = (body: string | Buffer, headers: Array<[string, string | number]> = []): Buffer =>
  response('200 OK', [['Content-Length', Buffer.byteLength(body)], ...headers], body);

/** `body` in chunked transfer coding, cut into chunks of `size` bytes. */
export function chunked(body: Buffer, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.byteLength; at += size) {
    const chunk = body.subarray(at, at + size);
    parts.push(Buffer.from(`${chunk.byteLength.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

export function makePool(options: Partial<PoolOptions> = {}): Http1Pool {
  return new Http1Pool({
    bufferSize: 64 * 1024,
    connectTimeoutMs: 5_000,
    idleTimeoutMs: 10_000,
    keepAliveMs: 10_000,
    maxConnectionsPerOrigin: 4,
    ...options,
  });
}

export const get = (path = '/object', headers: Record<string, string> = {}) => ({ method: 'GET' as const, path, headers });

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const nextTimer = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

/**
 * Reads a body in place with a slow consumer: each chunk is hashed only after a timer, so a read buffer
 * reused while the consumer still holds its view would show as a wrong hash.
 */
export async function consumeSlowly(body: Http1Body): Promise<{ sha256: string; bytes: number; chunks: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let chunks = 0;
  await body.consumeChunks(async (chunk) => {
    await nextTimer();
    hash.update(chunk);
    bytes += chunk.byteLength;
    chunks += 1;
  });
  return { sha256: hash.digest('hex'), bytes, chunks };
}

/** Reads a body in place, copying each chunk out at once. */
export async function consumeAll(body: Http1Body): Promise<Buffer> {
  const parts: Buffer[] = [];
  await body.consumeChunks((chunk) => {
    parts.push(Buffer.from(chunk));
  });
  return Buffer.concat(parts);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** What `promise` rejected with (fails the test if it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const outcome = await promise.then(
    () => ({ resolved: true as const }),
    (err: unknown) => ({ resolved: false as const, err }),
  );
  if (outcome.resolved) throw new Error('expected a rejection, the promise resolved');
  return outcome.err as Error & { code?: string };
}

/** Waits until `condition()` holds, checking each few ms (an event on the server side, not a deadline: jest's timeout bounds it). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** A port nothing listens on: one that was just open and is closed. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A fresh pool for each test and the servers a test opens (`serve`), all closed after it; `server` is the
 * one opened last. Registers its own beforeEach/afterEach: call it at the top of a test file.
 */
export function scriptedTestBed(options: Partial<PoolOptions> = {}) {
  const opened: ScriptedServer[] = [];
  let pool: Http1Pool | undefined;
  beforeEach(() => {
    pool = makePool(options);
  });
  afterEach(async () => {
    pool?.close();
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  return {
    get pool(): Http1Pool {
      if (!pool) throw new Error('the pool exists only inside a test');
      return pool;
    },
    get server(): ScriptedServer {
      const last = opened.at(-1);
      if (!last) throw new Error('no server was started in this test');
      return last;
    },
    /** This test's pool, with other options (the previous one is closed). */
    usePool(poolOptions: Partial<PoolOptions>): Http1Pool {
      pool?.close();
      pool = makePool(poolOptions);
      return pool;
    },
    async serve(script: Script, https?: boolean): Promise<ScriptedServer> {
      const server = await startServer(script, https === undefined ? undefined : { https });
      opened.push(server);
      return server;
    },
  };
}
