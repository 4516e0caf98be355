import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';

/**
 * A raw TCP server on 127.0.0.1 for hostile answers: each request's head (and a Content-Length body) is
 * parsed, recorded, and handed to `answer` with the socket, which writes whatever bytes it likes. Nothing
 * tidies the answers (node:net, not node:http). `close()` destroys every socket and stops every timer the
 * answers registered with `every`/`after`. `https: true` serves TLS with the test certificate.
 */

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Index of the request, from 0, across connections. */
  index: number;
  at: number;
}

export interface Answering {
  socket: net.Socket;
  /** Calls `fn` every `ms` until the socket closes or the server stops. */
  every(ms: number, fn: () => void): void;
  /** Calls `fn` once after `ms`, unless the socket closed or the server stopped. */
  after(ms: number, fn: () => void): void;
}

export interface RawServer {
  url: string;
  port: number;
  requests: RawRequest[];
  /** Bytes written to sockets by answers using `write` of Answering helpers (counted on the socket). */
  bytesWritten(): number;
  close(): Promise<void>;
}

const TLS_DIR = new URL('../fixtures/tls/', import.meta.url);
export const TEST_CERT = readFileSync(new URL('cert.pem', TLS_DIR));
const TEST_KEY = readFileSync(new URL('key.pem', TLS_DIR));

export async function rawServer(answer: (request: RawRequest, a: Answering) => void, options: { https?: boolean; port?: number } = {}): Promise<RawServer> {
  const requests: RawRequest[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let written = 0;
  const onConnection = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      written += socket.bytesWritten;
      sockets.delete(socket);
    });
    let pending = Buffer.alloc(0);
    const answering: Answering = {
      socket,
      every(ms, fn) {
        const timer = setInterval(() => (socket.destroyed ? stop(timer) : fn()), ms);
        timers.add(timer);
      },
      after(ms, fn) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!socket.destroyed) fn();
        }, ms);
        timers.add(timer);
      },
    };
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = pending.subarray(0, end).toString('latin1').split('\r\n');
        const [method, path] = lines[0].split(' ');
        const headers: Record<string, string> = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = Number(headers['content-length'] ?? 0);
        if (pending.length < end + 4 + length) return;
        const body = pending.subarray(end + 4, end + 4 + length).toString('utf8');
        pending = pending.subarray(end + 4 + length);
        const request: RawRequest = { method, path, headers, body, index: requests.length, at: Date.now() };
        requests.push(request);
        answer(request, answering);
      }
    });
  };
  const stop = (timer: NodeJS.Timeout) => {
    clearInterval(timer);
    timers.delete(timer);
  };
  const server = options.https ? tls.createServer({ key: TEST_KEY, cert: TEST_CERT }, onConnection) : net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `${options.https ? 'https' : 'http'}://127.0.0.1:${port}/`,
    port,
    requests,
    bytesWritten: () => written + [...sockets].reduce((sum, s) => sum + s.bytesWritten, 0),
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A whole HTTP/1.1 answer with Content-Length. */
export function whole(status: number, body: string | Buffer, headers: Record<string, string> = {}): string | Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const head = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Status'}`, `content-length: ${bytes.length}`, 'content-type: application/json'];
  for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), bytes]);
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 302: 'Found', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };
