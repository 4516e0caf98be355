import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { answerObject, errorAnswer, type Flavour } from './cases.js';
import { Connection, chunk, head, type RawRequest } from './connection.js';
import { BUCKET, imageFileOf, itemJson, labelFileOf, landingPageJson, objectOf, pageJson, type ScenarioSpec, type StoredObject } from './scenario.js';

/**
 * The hostile test server: raw TCP on 127.0.0.1 (node:net, so nothing tidies its answers), serving scenarios
 * (scenario.ts) both as a STAC API (`/stac/<scenario>/`: landing page, conformance, `/search` pages with next
 * links) and as an S3-compatible endpoint, path-style (`/hostile/<scenario>/<id>/<file>`: GET and HEAD with ETag,
 * Content-Length, ranges, XML errors), plus the same objects over plain HTTP (`/plain/…`). Each object or page
 * is answered honestly or by its hostile case (cases.ts).
 *
 * With `tls: true` it also speaks HTTPS on the same port (a TLS hello is told from a request line by its first
 * byte), with the test certificate of test/fixtures/tls/ (children trust it with NODE_EXTRA_CA_CERTS): the same
 * host and port as two origins, https:// and http://.
 *
 * It stops itself: every connection is destroyed `capMs` after it opened, whatever its case is doing, and
 * `close()` destroys every connection and stops every timer. Requests are recorded (with their headers and the
 * port they reached) for the tests to inspect.
 */
export interface HostileServer {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** `https://127.0.0.1:PORT` (with `tls: true`). */
  readonly secureOrigin: string;
  readonly requests: RawRequest[];
  /** The scenarios it serves: pass it to a second server to serve the same ones from another origin. */
  readonly registry: Map<string, ScenarioSpec>;
  /** Adds a scenario (shared with every server built on the same registry). */
  scenario(name: string, spec: ScenarioSpec): ScenarioHandle;
  close(): Promise<void>;
}

export interface ScenarioHandle {
  readonly name: string;
  readonly spec: ScenarioSpec;
  /** The STAC API root of the scenario. */
  readonly api: string;
  /** The same over HTTPS (with `tls: true`). */
  readonly secureApi: string;
  /** What `s3.endpoint` is set to. */
  readonly s3Endpoint: string;
  /** An item's label or image as the server holds it (what a correct download must equal). */
  object(id: string, asset: 'label' | 'image'): StoredObject;
  /** Requests this server received for the scenario. */
  requests(): RawRequest[];
}

export interface HostileServerOptions {
  /** Longest life of any connection (default 90 s). */
  capMs?: number;
  /** Share scenarios with another server (a second origin). */
  registry?: Map<string, ScenarioSpec>;
  /** Also answer TLS on the same port. */
  tls?: boolean;
}

const TLS_DIR = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
/** The test certificate (127.0.0.1, localhost) a child trusts with NODE_EXTRA_CA_CERTS=TEST_CA_FILE. */
export const TEST_CA_FILE = `${TLS_DIR}cert.pem`;

const MAX_REQUEST_HEAD = 64 * 1024;
const MAX_RECORDED = 20_000;

export async function startHostileServer(options: HostileServerOptions = {}): Promise<HostileServer> {
  const capMs = options.capMs ?? 90_000;
  const registry = options.registry ?? new Map<string, ScenarioSpec>();
  const connections = new Set<Connection>();
  const sockets = new Set<Socket>();
  const requests: RawRequest[] = [];
  let origin = '';
  let secureOrigin = '';

  const tls = options.tls ? { key: readFileSync(`${TLS_DIR}key.pem`), cert: readFileSync(TEST_CA_FILE) } : undefined;
  // Never listens: it only takes the connections whose first byte says TLS.
  const tlsServer = tls ? createTlsServer(tls, (socket) => accept(socket, true)) : undefined;
  tlsServer?.on('tlsClientError', () => {});
  const server: Server = createServer((raw) => {
    // The cap holds from the first byte, TLS handshakes included.
    const cap = setTimeout(() => raw.destroy(), capMs);
    sockets.add(raw);
    raw.on('close', () => {
      clearTimeout(cap);
      sockets.delete(raw);
    });
    if (!tlsServer) return accept(raw, false);
    raw.on('error', () => {});
    raw.once('data', (first: Buffer) => {
      raw.pause();
      // 0x16: a TLS handshake record; anything else is a plain request line.
      if (first[0] === 0x16) {
        tlsServer.emit('connection', streamOf(raw, first));
      } else {
        raw.unshift(first);
        accept(raw, false);
      }
      raw.resume();
    });
  });

  function accept(socket: Socket, secure: boolean): void {
    const conn = new Connection(socket, capMs, secure);
    connections.add(conn);
    socket.on('close', () => connections.delete(conn));
    serve(conn);
  }

  function serve(conn: Connection): void {
    let pending: Buffer = Buffer.alloc(0);
    let busy = false;
    conn.socket.on('data', (data: Buffer) => {
      if (busy && !conn.poisoned) return; // a held connection: whatever the client sends is never answered
      pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
      next();
    });
    const next = (): void => {
      // A poisoned connection's requests are still read and recorded (the client reused it), never answered.
      while ((!busy || conn.poisoned) && !conn.closed) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) {
          if (pending.length > MAX_REQUEST_HEAD) conn.destroy();
          return;
        }
        let request: RawRequest;
        try {
          request = parseRequest(pending.subarray(0, end).toString('latin1'), conn);
        } catch {
          return conn.destroy();
        }
        const length = Number(request.headers['content-length'] ?? 0);
        if (pending.length < end + 4 + length) return;
        request.body = pending.subarray(end + 4, end + 4 + length);
        pending = pending.subarray(end + 4 + length);
        request.afterLateBody = conn.poisoned;
        if (requests.length < MAX_RECORDED) requests.push(request);
        if (conn.poisoned) continue;
        if (!route(conn, request)) busy = true;
      }
    };
  }

  function parseRequest(text: string, conn: Connection): RawRequest {
    const [line, ...fields] = text.split('\r\n');
    const [method = '', target = ''] = line.split(' ');
    const headers: Record<string, string> = {};
    for (const field of fields) {
      const colon = field.indexOf(':');
      if (colon <= 0) continue;
      const name = field.slice(0, colon).trim().toLowerCase();
      const value = field.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const url = new URL(target, 'http://x');
    return { method, target, path: url.pathname, query: url.searchParams, headers, body: Buffer.alloc(0), port: conn.socket.localPort ?? 0, secure: conn.secure };
  }

  function route(conn: Connection, req: RawRequest): boolean {
    const parts = req.path.split('/').map((p) => decodeURIComponent(p));
    const [, root, scenarioName, ...rest] = parts;
    const spec = scenarioName === undefined ? undefined : registry.get(scenarioName);
    if (!spec) return errorAnswer(conn, req, '404 Not Found', 'NoSuchKey', `no scenario at ${req.path}`, root === BUCKET ? 's3' : 'http');
    if (root === 'stac') return answerApi(conn, req, scenarioName, spec, rest.join('/'), conn.secure ? secureOrigin : origin);
    if (root === BUCKET || root === 'plain') {
      const flavour: Flavour = root === BUCKET ? 's3' : 'http';
      const [id, file] = rest;
      const item = spec.items.find((i) => i.id === id);
      const asset = file === labelFileOf(id) ? 'label' : file === imageFileOf(id) ? 'image' : undefined;
      if (!item || !asset) return errorAnswer(conn, req, '404 Not Found', 'NoSuchKey', 'The specified key does not exist.', flavour);
      return answerObject(conn, req, objectOf(scenarioName, spec, item, asset), flavour);
    }
    return errorAnswer(conn, req, '404 Not Found', 'NoSuchKey', `nothing at ${req.path}`, 'http');
  }

  /** `here` is the origin the request reached (links in answers stay on it). */
  function answerApi(conn: Connection, req: RawRequest, scenario: string, spec: ScenarioSpec, where: string, here: string): boolean {
    const api = spec.api ?? 'good';
    if (where === '' || where === 'conformance') {
      const body = where === '' ? landingPageJson(here, scenario) : JSON.stringify({ conformsTo: ['https://api.stacspec.org/v1.0.0/core', 'https://api.stacspec.org/v1.0.0/item-search'] });
      if (api === 'slow-landing-head') {
        conn.trickle(jsonBytes(body));
        return false;
      }
      conn.write(jsonBytes(body));
      return true;
    }
    if (where !== 'search') return errorAnswer(conn, req, '404 Not Found', 'NotFound', `nothing at ${req.path}`, 'http');
    const page = Number(req.query.get('page') ?? '1');
    if (api === 'endless-page' || (api === 'endless-second-page' && page >= 2)) {
      // A FeatureCollection whose features never end.
      conn.write(head('200 OK', [['Content-Type', 'application/geo+json'], ['Transfer-Encoding', 'chunked']]));
      conn.write(chunk('{"type":"FeatureCollection","features":['));
      const items = Buffer.from(Array.from({ length: 40 }, () => `${itemJson(here, scenario, spec.items[0])},`).join(''));
      conn.pump(() => chunk(items));
      return false;
    }
    const body = pageJson(here, scenario, spec, page);
    if (api === 'slow-page-body') {
      const bytes = Buffer.from(body);
      conn.write(head('200 OK', [['Content-Type', 'application/geo+json'], ['Content-Length', bytes.length]]));
      conn.trickle(bytes);
      return false;
    }
    conn.write(jsonBytes(body));
    return true;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  secureOrigin = `https://127.0.0.1:${port}`;

  return {
    port,
    origin,
    secureOrigin,
    requests,
    registry,
    scenario(name, spec) {
      registry.set(name, spec);
      return {
        name,
        spec,
        api: `${origin}/stac/${name}/`,
        secureApi: `${secureOrigin}/stac/${name}/`,
        s3Endpoint: origin,
        object(id, asset) {
          const item = spec.items.find((i) => i.id === id);
          if (!item) throw new Error(`no item ${id} in scenario ${name}`);
          return objectOf(name, spec, item, asset);
        },
        requests: () => requests.filter((r) => r.path.split('/')[2] === name),
      };
    },
    close() {
      for (const conn of connections) conn.destroy();
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * `raw` as a plain Duplex starting with `first` (already read): TLS over a net.Socket reads its handle directly
 * and would never see a chunk given back with unshift, so the TLS side gets a JS stream instead.
 */
function streamOf(raw: Socket, first: Buffer): Duplex {
  const stream = new Duplex({
    read: () => raw.resume(),
    write: (chunk: Buffer, _encoding, done) => (raw.destroyed ? done() : raw.write(chunk, () => done())),
    final: (done) => {
      raw.end();
      done();
    },
    destroy: (err, done) => {
      raw.destroy();
      done(err);
    },
  });
  stream.push(first);
  raw.on('data', (data: Buffer) => {
    if (!stream.push(data)) raw.pause();
  });
  raw.on('end', () => stream.push(null));
  raw.on('close', () => stream.destroy());
  return stream;
}

function jsonBytes(body: string): Buffer {
  const bytes = Buffer.from(body);
  return Buffer.concat([Buffer.from(head('200 OK', [['Content-Type', 'application/json'], ['Content-Length', bytes.length]])), bytes]);
}
