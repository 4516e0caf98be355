import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { Readable } from 'node:stream';
import tls from 'node:tls';

/**
 * Loopback servers whose every byte on the wire is written by the test (an S3 stand-in that answers as a broken
 * or hostile server would): a raw TCP (or TLS) server that splits what the client sends into requests (GET and
 * HEAD have no body: a request ends at CRLFCRLF), hands each to a script, and counts connections and the bytes
 * it wrote on its side.
 */

export interface Origin {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
}

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
  /** Bytes the server's sockets sent (or queued), over all connections. */
  readonly bytesSent: number;
  /** `http://127.0.0.1:PORT`: an `s3.endpoint`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

/** A small caminfo-shaped label the scripts serve. */
export const LABEL = Buffer.from('Object = Caminfo\n  Group = Geometry\n    IncidenceAngle = 42.5\n  End_Group\nEnd_Object\nEnd\n');

/**
 * `serve(script)` for a test file: each server is closed, with the S3 clients (`close`, closeS3Clients), after
 * each test.
 */
export function serversPerTest(close: () => void): (script: Script) => Promise<ScriptedServer> {
  const servers: ScriptedServer[] = [];
  afterEach(async () => {
    close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (script) => {
    const server = await startServer(script);
    servers.push(server);
    return server;
  };
}

export async function startServer(script: Script, options: { https?: boolean } = {}): Promise<ScriptedServer> {
  const sockets = new Set<net.Socket>();
  const requests: ScriptedRequest[] = [];
  let connections = 0;
  let maxOpen = 0;
  let bytesReceived = 0;
  let sentByClosed = 0;
  const onConnection = (socket: net.Socket) => {
    const connection = connections++;
    sockets.add(socket);
    maxOpen = Math.max(maxOpen, sockets.size);
    socket.on('close', () => {
      sockets.delete(socket);
      sentByClosed += socket.bytesWritten;
    });
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
    endpoint: `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`,
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
    get bytesSent() {
      return sentByClosed + [...sockets].reduce((sum, socket) => sum + socket.bytesWritten, 0);
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
 * Writes `piece` over and over, as fast as the client reads (backpressure respected), until the connection
 * closes: an endless body. `first` goes before it (a head).
 */
export function writeForever(socket: net.Socket, first: Buffer | string, piece: Buffer | string): void {
  socket.write(first);
  const pump = (): void => {
    while (!socket.destroyed && socket.writable) {
      if (!socket.write(piece)) {
        socket.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

/** Writes `bytes` one byte each `everyMs`, until done or the connection closes. */
export function trickle(socket: net.Socket, bytes: Buffer | string, everyMs: number): void {
  const data = Buffer.from(bytes);
  let at = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || at >= data.length) {
      clearInterval(timer);
      return;
    }
    socket.write(data.subarray(at, at + 1));
    at += 1;
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}
