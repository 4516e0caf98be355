import net from 'node:net';
import { Readable } from 'node:stream';
import tls from 'node:tls';
import { BodyDecoder, bodyFraming } from './body-decoder.js';
import { headEnd, Http1ProtocolError, parseResponseHead, type ResponseHead } from './response-head.js';

/**
 * One HTTP/1.1 connection reading into a buffer of its own (Node's `onread` option): each socket read lands
 * in the same memory, so a body streams with no allocation per read and with reads as large as the buffer,
 * where Node's http allocates a new 64 KiB buffer for every read. Plain HTTP only: under TLS the reads are
 * Node's buffers (see the constructor). One request at a time (no pipelining).
 */

export interface Origin {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
}

export interface Http1Request {
  method: 'GET' | 'HEAD';
  /** Path and query, as sent on the request line. */
  path: string;
  headers: Record<string, string>;
}

export interface ConnectionOptions {
  /** Bytes of the read buffer: the largest socket read (plain HTTP; TLS reads are a record, 16 KiB at most). */
  bufferSize: number;
  connectTimeoutMs: number;
  /** A request whose connection carries nothing for this long fails with ETIMEDOUT. */
  idleTimeoutMs: number;
  /** Extra TLS options (a `ca` for tests, `rejectUnauthorized`). */
  tls?: Pick<tls.ConnectionOptions, 'ca' | 'rejectUnauthorized'>;
}

export interface Http1Response extends ResponseHead {
  body: Http1Body;
}

/** A body's bytes, valid only until the promise the consumer returned settles (or, if it returns none, until it returns). */
export type ChunkConsumer = (chunk: Uint8Array) => void | Promise<void>;

/** Marks errors that happened before any byte of the answer: a GET or HEAD can be sent again safely. */
const NOTHING_RECEIVED = Symbol('nothing received');

export const isNothingReceived = (err: unknown): boolean => (err as { [NOTHING_RECEIVED]?: boolean } | undefined)?.[NOTHING_RECEIVED] === true;

export class Connection {
  private readonly socket: net.Socket;
  /** Requests sent on this connection so far. */
  requests = 0;
  closed = false;
  private active?: {
    request: Http1Request;
    resolve: (response: Http1Response) => void;
    reject: (err: unknown) => void;
    /** The start of a head that has not all arrived (a copy: the read buffer is reused). */
    partialHead?: Buffer;
    body?: Http1Body;
    received: boolean;
    onDone: (reusable: boolean) => void;
  };

  constructor(readonly origin: Origin, private readonly options: ConnectionOptions, private readonly onClose: (connection: Connection) => void) {
    const { hostname, port } = origin;
    if (origin.protocol === 'https:') {
      // No `onread` under TLS: Node's TLS layer copies each record it decrypts into that buffer even after the
      // callback said stop (TLSWrap::ClearOut does not check), overwriting a chunk the consumer still holds
      // (test/http1/https.test.ts). Node's own buffers instead (one per record, safe to hold); pause() holds the rest back.
      this.socket = tls.connect({ host: hostname, port, servername: net.isIP(hostname) ? undefined : hostname, ALPNProtocols: ['http/1.1'], ...options.tls });
      this.socket.on('data', (bytes: Buffer) => this.onRead(bytes));
    } else {
      const buffer = Buffer.allocUnsafe(options.bufferSize);
      this.socket = net.connect({ host: hostname, port, onread: { buffer, callback: (n, buf) => this.onRead(buf.subarray(0, n)) } });
    }
    this.socket.setNoDelay(true);
    const connectTimer = setTimeout(() => {
      this.destroy(Object.assign(new Error(`could not connect to ${hostname}:${port} within ${options.connectTimeoutMs} ms`), { code: 'ETIMEDOUT', name: 'TimeoutError' }));
    }, options.connectTimeoutMs);
    this.socket.once(origin.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    this.socket.on('timeout', () => {
      this.destroy(Object.assign(new Error(`no data from ${hostname}:${port} for ${options.idleTimeoutMs} ms`), { code: 'ETIMEDOUT', name: 'TimeoutError' }));
    });
    this.socket.on('error', (err) => this.destroy(err));
    // The server closed: a body walks what it holds first (a short one fails then), a request waiting for its head fails.
    this.socket.on('end', () => this.onSocketGone());
    this.socket.on('close', () => {
      clearTimeout(connectTimer);
      this.onSocketGone();
    });
  }

  /**
   * Sends `request`, whose head `serialized` is (serializeRequest: checked before a connection is taken);
   * resolves with the answer's head once it has arrived (the body streams after).
   */
  send(request: Http1Request, serialized: string, onDone: (reusable: boolean) => void): Promise<Http1Response> {
    if (this.active || this.closed) throw new Error('internal: connection busy or closed');
    this.requests += 1;
    return new Promise((resolve, reject) => {
      this.active = { request, resolve, reject, received: false, onDone };
      this.socket.setTimeout(this.options.idleTimeoutMs);
      this.socket.resume();
      this.socket.write(serialized);
    });
  }

  /** Closes the connection; the request in progress, if any, fails with `err` at once. */
  destroy(err?: unknown): void {
    const active = this.active;
    this.active = undefined;
    this.closeSocket();
    if (!active) return;
    const error = err ?? new Error('the connection was closed');
    if (active.body) active.body.fail(error);
    else {
      if (!active.received && error instanceof Error) Object.assign(error, { [NOTHING_RECEIVED]: true });
      active.reject(error);
    }
    active.onDone(false);
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.closed) this.socket.resume();
  }

  /** Called by the body when it has all its bytes; `reusable` when the connection can carry another request. */
  finishBody(reusable: boolean): void {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    if (!reusable || this.closed) {
      this.closeSocket();
      active.onDone(false);
      return;
    }
    this.socket.setTimeout(0);
    active.onDone(true);
  }

  /** Keeps the process from waiting on an idle connection (and lets it do so again when used). */
  ref(keep: boolean): void {
    if (keep) this.socket.ref();
    else this.socket.unref();
  }

  private onRead(bytes: Uint8Array): boolean {
    const active = this.active;
    if (!active) {
      // Bytes nobody asked for: the server is confused; never read them as the next answer.
      this.destroy();
      return false;
    }
    active.received = true;
    try {
      return (active.body ? active.body.feed(bytes) : this.readHead(active, bytes)) !== false;
    } catch (err) {
      this.destroy(err);
      return false;
    }
  }

  private readHead(active: NonNullable<Connection['active']>, bytes: Uint8Array): false | undefined {
    const all = active.partialHead ? Buffer.concat([active.partialHead, bytes]) : bytes;
    const end = headEnd(all);
    if (end < 0) {
      // The read buffer is reused: keep a copy of the head's start until the rest comes (usually it never has to).
      active.partialHead = Buffer.from(all);
      return undefined;
    }
    active.partialHead = undefined;
    const head = parseResponseHead(all.subarray(0, end));
    const rest = bytes.subarray(bytes.byteLength - (all.byteLength - end));
    if (head.statusCode >= 100 && head.statusCode < 200) {
      // An interim answer (100 Continue, 103 Early Hints): the real one follows.
      if (head.statusCode === 101) throw new Http1ProtocolError('the server switched protocols (101), which was not asked for');
      return rest.byteLength > 0 ? this.readHead(active, rest) : undefined;
    }
    const decoder = new BodyDecoder(bodyFraming(active.request.method, head));
    const keepAlive = head.httpVersion === '1.1' ? !/\bclose\b/i.test(head.headers.connection ?? '') : /\bkeep-alive\b/i.test(head.headers.connection ?? '');
    const body = new Http1Body(this, decoder, keepAlive);
    active.body = body;
    active.resolve({ ...head, body });
    // Until somebody reads the body, the rest of this read waits in the (paused) buffer.
    return body.feed(rest);
  }

  private closeSocket(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.onClose(this);
  }

  private onSocketGone(): void {
    const active = this.active;
    if (active?.body) {
      this.closeSocket();
      active.body.endOfInput();
      return;
    }
    const received = active?.received ?? false;
    this.destroy(Object.assign(new Error(received ? 'the connection closed in the middle of the response head' : 'the connection closed before any answer'), { code: 'ECONNRESET' }));
  }
}

/**
 * A response body as a Node Readable (each chunk copied out of the connection's buffer), or, for the download
 * engine, read in place with `consumeChunks` (no copy: each chunk is a view of the read buffer).
 */
export class Http1Body extends Readable {
  /** Bytes read from the socket, not yet walked by the decoder (a view of the connection's buffer). */
  private pending?: Uint8Array;
  private consumer?: ChunkConsumer;
  /** The consumer has a chunk and has not said it is done with it. */
  private waiting = false;
  /** Readable mode: push() said stop; _read() calls this to go on. */
  private wantMore?: () => void;
  /** The socket has ended: what is pending is all there will be. */
  private inputEnded = false;
  private finished = false;
  private consumed?: { resolve: () => void; reject: (err: unknown) => void };

  constructor(private readonly connection: Connection, private readonly decoder: BodyDecoder, private readonly keepAlive: boolean) {
    super({ highWaterMark: 256 * 1024 });
  }

  /**
   * Reads the whole body into `consumer`, one chunk at a time, without copying: a chunk is valid until the
   * consumer's promise settles, and no more bytes are read from the socket meanwhile. Resolves at the end of
   * the body; rejects with the connection's error, or the consumer's (which closes the connection).
   */
  consumeChunks(consumer: ChunkConsumer): Promise<void> {
    if (this.consumer) throw new Error('internal: the body is being read already');
    this.consumer = consumer;
    // Errors reach the caller through the promise; the stream's 'error' event would have no listener.
    this.on('error', () => undefined);
    const done = new Promise<void>((resolve, reject) => (this.consumed = { resolve, reject }));
    if (this.finished) {
      if (this.destroyed) this.consumed?.reject(this.errored ?? new Error('the body was closed before its end'));
      else this.consumed?.resolve();
    } else this.drive();
    return done;
  }

  override _read(): void {
    if (this.wantMore) {
      const more = this.wantMore;
      this.wantMore = undefined;
      more();
      return;
    }
    if (this.consumer || this.finished) return;
    this.consumer = (chunk) => {
      if (this.push(Buffer.from(chunk))) return undefined;
      return new Promise<void>((resolve) => (this.wantMore = resolve));
    };
    this.drive();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.finished) {
      this.finished = true;
      // Left unread: the rest of the body would be taken for the start of the next answer. Close the connection.
      const error = err ?? new Error('the body was closed before its end');
      this.consumed?.reject(error);
      this.connection.destroy(error);
    }
    callback(err);
  }

  /** Bytes from the socket. Returns false to stop the socket reading until they have been walked. */
  feed(bytes: Uint8Array): false | undefined {
    this.pending = bytes;
    if (this.decoder.done) {
      // No body (HEAD, 204, 304, Content-Length: 0): done before anybody reads.
      this.finish(this.reusable());
      return false;
    }
    if (!this.consumer || this.waiting) {
      this.connection.pauseReading();
      return false;
    }
    return this.drive() ? undefined : false;
  }

  /** The socket ended (EOF or closed): settle once the pending bytes are walked. */
  endOfInput(): void {
    this.inputEnded = true;
    if (!this.waiting && (this.pending === undefined || this.pending.byteLength === 0)) this.settleEnd();
  }

  /** The connection failed before the body's end. */
  fail(err: unknown): void {
    if (this.finished) return;
    this.finished = true;
    const error = err instanceof Error ? err : new Error(String(err));
    this.consumed?.reject(error);
    this.destroy(error);
  }

  /**
   * Walks the pending bytes into the consumer. Returns true when they are all used and the socket reads on;
   * false when it waits for the consumer (which goes on from there) or the body is over.
   */
  private drive(): boolean {
    const consumer = this.consumer;
    if (!consumer || this.finished) return false;
    try {
      // `finished` can turn true inside consumer() (an abort, pool.close()): no chunk after the promise rejected.
      while (!this.finished && this.pending !== undefined && this.pending.byteLength > 0 && !this.decoder.done) {
        const { consumed, data } = this.decoder.step(this.pending);
        this.pending = this.pending.subarray(consumed);
        if (data === undefined || data.byteLength === 0) continue;
        const wait = consumer(data);
        if (wait) {
          this.waiting = true;
          this.connection.pauseReading();
          wait.then(
            () => {
              this.waiting = false;
              this.drive();
            },
            (err: unknown) => {
              this.waiting = false;
              this.connection.destroy(err);
            },
          );
          return false;
        }
      }
    } catch (err) {
      this.connection.destroy(err);
      return false;
    }
    if (this.decoder.done) {
      this.finish(this.reusable());
      return false;
    }
    this.pending = undefined;
    if (this.inputEnded) {
      this.settleEnd();
      return false;
    }
    this.connection.resumeReading();
    return true;
  }

  /** Bytes past the end of the body (no request of ours asked for them) spoil the connection. */
  private reusable(): boolean {
    return this.keepAlive && this.decoder.reusable && !this.inputEnded && (this.pending === undefined || this.pending.byteLength === 0);
  }

  private settleEnd(): void {
    if (this.finished) return;
    try {
      this.decoder.end();
      this.finish(false);
    } catch (err) {
      this.connection.destroy(err);
    }
  }

  private finish(reusable: boolean): void {
    if (this.finished) return;
    this.finished = true;
    this.pending = undefined;
    this.connection.finishBody(reusable);
    if (this.consumed) this.consumed.resolve();
    else this.push(null);
  }
}

/** The request line and header fields. Values with CR or LF are refused (they would forge headers). */
export function serializeRequest(origin: Origin, request: Http1Request): string {
  if (/[\s\0]/.test(request.path) || !request.path.startsWith('/')) throw new Error(`invalid request path ${JSON.stringify(request.path)}`);
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  let host = false;
  for (const [name, value] of Object.entries(request.headers)) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) || /[\r\n\0]/.test(value)) throw new Error(`invalid request header ${JSON.stringify(name)}`);
    if (name.toLowerCase() === 'host') host = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!host) {
    const defaultPort = origin.protocol === 'https:' ? 443 : 80;
    const name = net.isIPv6(origin.hostname) ? `[${origin.hostname}]` : origin.hostname;
    head += `host: ${origin.port === defaultPort ? name : `${name}:${origin.port}`}\r\n`;
  }
  return `${head}\r\n`;
}
