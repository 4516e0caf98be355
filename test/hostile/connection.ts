import type { Socket } from 'node:net';

/** One parsed request on a raw connection. */
export interface RawRequest {
  method: string;
  /** The request target as sent (`/a/b?x=1`). */
  target: string;
  path: string;
  query: URLSearchParams;
  /** Header names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
  /** The server port the request arrived on (which origin it reached). */
  port: number;
  /** Whether it came over TLS. */
  secure: boolean;
  /** It came on a connection whose last answer was a HEAD followed by a late body (the client reused it). */
  afterLateBody?: boolean;
}

/**
 * A client connection as the hostile server drives it: raw writes, and every timer it starts tracked so that
 * closing the connection (or the server) stops everything it was doing. A response either completes (`true`:
 * the next request on the connection is read) or holds the connection until it closes (`false`).
 */
export class Connection {
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Set once a response was followed by bytes the client did not ask for: later requests get no answer. */
  poisoned = false;

  /** `secure`: the connection speaks TLS (an https:// origin). */
  constructor(readonly socket: Socket, capMs: number, readonly secure = false) {
    socket.on('error', () => {});
    socket.on('close', () => this.stop());
    // Whatever a case does, a connection never outlives the cap.
    this.after(capMs, () => socket.destroy());
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  write(data: string | Buffer): boolean {
    return this.closed ? false : this.socket.write(data);
  }

  after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(timer);
  }

  every(ms: number, fn: () => void): void {
    const timer = setInterval(() => (this.closed ? this.stop() : fn()), ms);
    this.timers.add(timer);
  }

  /** Writes `next()` as fast as the client reads, for ever (until the connection closes). */
  pump(next: () => string | Buffer): void {
    const go = (): void => {
      while (!this.closed) {
        if (!this.socket.write(next())) {
          this.socket.once('drain', go);
          return;
        }
      }
    };
    go();
  }

  /** Writes `data` one byte a second, then `then()` (if the connection still lives). */
  trickle(data: Buffer, then?: () => void): void {
    let at = 0;
    const timer = setInterval(() => {
      if (this.closed) return this.stop();
      if (at < data.length) this.socket.write(data.subarray(at, ++at));
      if (at >= data.length) {
        clearInterval(timer);
        this.timers.delete(timer);
        then?.();
      }
    }, 1000);
    this.timers.add(timer);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  destroy(): void {
    this.stop();
    this.socket.destroy();
  }
}

/** The head of a response: status line and headers, raw (any status, any header, duplicates allowed). */
export function head(status: string, headers: Array<[string, string | number]>): string {
  return `HTTP/1.1 ${status}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
}

/** One chunk of a chunked body. */
export const chunk = (data: Buffer | string): Buffer => {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
};
