import type http from 'node:http';
import type { Socket } from 'node:net';

/**
 * Answers that go wrong after their head, for both sandbox servers (the STAC API and the S3 front): a body cut
 * short (`truncate`) and a body that stops coming (`stall`). Both wrap `res.write`/`res.end`, so they work
 * whoever writes the answer (the API's own writer, or s3rver's koa piping a file).
 */

/** Default longest stall: a stalled answer's socket is destroyed after this long even if the client waits on. */
export const DEFAULT_MAX_STALL_MS = 10 * 60_000;

/** Bytes of the body sent before the fault, from the answer's Content-Length (undefined when it has none). */
export type BodyLimit = number | ((contentLength: number | undefined) => number);

/**
 * Sockets of stalled answers, held open until the client gives up, the stall's time is up (at most the
 * sandbox's `maxStallMs`), or the sandbox closes (`releaseAll`).
 */
export class StallKeeper {
  private readonly held = new Set<Socket>();

  constructor(readonly maxStallMs: number = DEFAULT_MAX_STALL_MS) {
    if (!(maxStallMs > 0)) throw new RangeError(`sandbox: maxStallMs must be more than 0, got ${maxStallMs}`);
  }

  hold(socket: Socket | null | undefined, ms = this.maxStallMs): void {
    if (!socket || socket.destroyed) return;
    const timer = setTimeout(() => socket.destroy(), Math.min(ms, this.maxStallMs));
    // A stall must not keep a process alive that is otherwise done.
    timer.unref();
    this.held.add(socket);
    socket.once('close', () => {
      clearTimeout(timer);
      this.held.delete(socket);
    });
  }

  /** Stalled sockets right now. */
  get size(): number {
    return this.held.size;
  }

  releaseAll(): void {
    for (const socket of [...this.held]) socket.destroy();
  }
}

/** Sends the head (with the full Content-Length) and `limit` body bytes, then destroys the socket. */
export function truncateBody(res: http.ServerResponse, limit: BodyLimit): void {
  const socket = res.socket;
  interceptBody(res, limit, () => socket?.destroy());
}

/** Sends the head and `limit` body bytes, then nothing more: the socket stays open (see StallKeeper). */
export function stallBody(res: http.ServerResponse, limit: BodyLimit, stalls: StallKeeper, ms?: number): void {
  const socket = res.socket;
  interceptBody(res, limit, () => stalls.hold(socket, ms));
}

/** Sends nothing at all, not even the head, and holds the socket open (see StallKeeper). */
export function stallHead(res: http.ServerResponse, stalls: StallKeeper, ms?: number): void {
  stalls.hold(res.socket, ms);
  res.write = (() => false) as typeof res.write;
  res.end = (() => res) as typeof res.end;
  res.writeHead = (() => res) as typeof res.writeHead;
  res.flushHeaders = () => undefined;
}

/**
 * Lets the answer's head go out as it is and only `limit` body bytes, then calls `atLimit` once those are
 * handed to the socket; later writes (and `end`) are swallowed, so a piping source waits (no memory grows).
 */
function interceptBody(res: http.ServerResponse, limit: BodyLimit, atLimit: () => void): void {
  let max: number | undefined;
  let sent = 0;
  let reached = false;
  const write = res.write.bind(res) as (chunk: Uint8Array, callback?: () => void) => boolean;
  const limitNow = (): number => {
    if (max === undefined) {
      const declared = Number(res.getHeader('content-length'));
      const wanted = typeof limit === 'number' ? limit : limit(Number.isSafeInteger(declared) ? declared : undefined);
      max = Math.max(0, Math.floor(wanted));
    }
    return max;
  };
  const reach = (last: Uint8Array) => {
    reached = true;
    // Flush the head even when no body byte goes (a zero-length write would not send it).
    if (!res.headersSent) res.flushHeaders();
    write(last, atLimit);
  };
  const take = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (reached) return false;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk instanceof Uint8Array ? chunk : Buffer.alloc(0);
    const room = limitNow() - sent;
    if (bytes.length < room) {
      sent += bytes.length;
      return write(bytes);
    }
    sent += room;
    reach(bytes.subarray(0, room));
    return false;
  };
  res.write = ((chunk: unknown, encoding?: unknown) => take(chunk, typeof encoding === 'string' ? encoding as BufferEncoding : undefined)) as typeof res.write;
  res.end = ((chunk?: unknown, encoding?: unknown) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') take(chunk, typeof encoding === 'string' ? encoding as BufferEncoding : undefined);
    // A body no longer than the limit: the fault still happens at its end (the client misses the close, or waits).
    if (!reached) reach(new Uint8Array(0));
    return res;
  }) as typeof res.end;
}
