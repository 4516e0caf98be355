import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { formatBytes } from '../http/limits.js';
import type { DirectBody, TakeChunk } from '../util/direct-body.js';
import { S3TransportError } from './errors.js';

/**
 * The body of one S3 answer as a Node stream, fed by undici's dispatch handler (transport.ts). Backpressure goes
 * straight to the socket: when the reader falls behind, undici stops reading (`controller.pause()`), when it
 * reads again undici resumes. Two limits on what the server may do:
 * - `cap`: at most this many bytes are handed on (error answers: S3's XML is under 1 KiB); at the cap the body
 *   ends and the connection is dropped, so the rest is never read;
 * - the low-speed limit (curl's --speed-limit/--speed-time): fewer than `bytesPerSecond` a second over a window
 *   of `windowMs` fails the body with ERR_LOW_SPEED. A window in which the reader held the server back (the body
 *   was paused) does not count: a slow disk is not a slow server.
 * Destroying the body (the reader gives up) aborts the request and drops its connection.
 *
 * A download reads it with `drainInto` instead of as a stream: each chunk goes from undici to the writer's
 * `take` in one call, no stream buffer or event in between (at 16 KiB TLS records, a GB is 60,000 chunks; the
 * stream's bookkeeping per chunk measured ~0.4 CPU s/GB, against ~1.7–2.0 for TLS and undici's parser).
 */

/** A `drainInto` in progress: chunks held back while the taker waits (undici pauses, but a chunk may be on its way). */
interface Drain {
  take: TakeChunk;
  resolve: () => void;
  reject: (err: unknown) => void;
  pending?: Promise<void>;
  queued: Buffer[];
  /** Set when the body has ended (undefined) or failed (the error), delivered once nothing is pending. */
  outcome?: { error?: unknown };
  settled: boolean;
}

export interface BodyLimits {
  /** Bytes handed on at most; undefined: no cap. */
  cap?: number;
  /** 0 turns the low-speed check off. */
  bytesPerSecond: number;
  windowMs: number;
}

/** Large enough that a 64 KiB socket read or a few TLS records sit in it without pausing the socket. */
const HIGH_WATER_MARK = 256 * 1024;

export class ResponseBody extends Readable implements DirectBody {
  /** True once the body ended by itself or at its cap: undici's later errors (the abort at the cap) are not ours. */
  private finished = false;
  private handedOn = 0;
  private windowBytes = 0;
  private pausedInWindow = false;
  private readonly watchdog?: NodeJS.Timeout;
  private drain?: Drain;

  constructor(private readonly controller: Dispatcher.DispatchController, private readonly url: string, private readonly limits: BodyLimits) {
    super({ highWaterMark: HIGH_WATER_MARK });
    if (limits.bytesPerSecond > 0) {
      this.watchdog = setInterval(() => this.checkSpeed(), limits.windowMs);
      this.watchdog.unref();
    }
  }

  /** A chunk from the socket (a view of undici's read, never reused by it). */
  receive(chunk: Buffer): void {
    if (this.finished || this.destroyed) return;
    this.windowBytes += chunk.byteLength;
    const { cap } = this.limits;
    if (cap !== undefined && this.handedOn + chunk.byteLength > cap) {
      // More than the cap: hand on what fits, end here and drop the connection (the rest is never read).
      if (cap > this.handedOn) this.handOn(chunk.subarray(0, cap - this.handedOn));
      this.handedOn = cap;
      this.finish();
      this.controller.abort(new S3TransportError('ERR_BAD_RESPONSE', this.url, `error body cut at ${formatBytes(cap)} (http.max_error_body_bytes)`));
      return;
    }
    this.handedOn += chunk.byteLength;
    this.handOn(chunk);
  }

  /**
   * Hands every chunk to `take` as it comes, from now on (what the stream had buffered first). Resolves at the
   * body's end, rejects with its error or with `take`'s, once `take`'s pending promise has settled: what it took
   * before is good data. The body is not a stream any more: it is destroyed at the end.
   */
  drainInto(take: TakeChunk): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.drain) throw new Error('drainInto called twice on one body');
      const drain: Drain = { take, resolve, reject, queued: [], settled: false };
      const buffered = this.readableLength > 0 ? (this.read() as Buffer | null) : null;
      const endedBefore = this.finished;
      this.drain = drain;
      if (this.destroyed && !endedBefore) {
        this.settleDrain({ error: this.errored ?? Object.assign(new Error('the body closed before its end'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }) });
        return;
      }
      if (buffered) this.deliver(buffered);
      if (endedBefore) this.endDrain({});
    });
  }

  /** The answer ended (undici checked its length). */
  complete(): void {
    if (this.finished || this.destroyed) return;
    this.finish();
  }

  /** undici failed the answer: a reset, a cut body, a length mismatch, an abort. */
  fail(err: Error): void {
    if (this.finished || this.destroyed) return;
    this.stopWatchdog();
    if (this.drain) {
      // No one listens for 'error' on a drained body: the error goes to drainInto's promise.
      this.finished = true;
      this.endDrain({ error: err });
      return;
    }
    this.destroy(err);
  }

  private handOn(chunk: Buffer): void {
    if (this.drain) this.deliver(chunk);
    else if (!this.push(chunk)) {
      this.pausedInWindow = true;
      this.controller.pause();
    }
  }

  /** One chunk to the taker; while its write is pending the socket is paused and later chunks wait in order. */
  private deliver(chunk: Buffer): void {
    const drain = this.drain!;
    if (drain.settled) return;
    if (drain.pending) {
      drain.queued.push(chunk);
      return;
    }
    let wait: Promise<void> | undefined;
    try {
      wait = drain.take(chunk);
    } catch (err) {
      this.takeFailed(err);
      return;
    }
    if (!wait) return;
    this.pausedInWindow = true;
    this.controller.pause();
    drain.pending = wait.then(
      () => {
        drain.pending = undefined;
        while (drain.queued.length > 0 && !drain.pending && !drain.settled) this.deliver(drain.queued.shift()!);
        if (drain.pending || drain.settled) return;
        if (drain.outcome) this.settleDrain(drain.outcome);
        else this.controller.resume();
      },
      (err: unknown) => {
        drain.pending = undefined;
        this.takeFailed(err);
      },
    );
  }

  /** The taker refused a chunk (more bytes than announced, a write that failed): the request ends here. */
  private takeFailed(err: unknown): void {
    if (!this.finished) {
      this.finished = true;
      this.stopWatchdog();
      this.controller.abort(err instanceof Error ? err : new Error(String(err)));
    }
    this.settleDrain({ error: err });
  }

  /** The body ended or failed: settle once the pending take and the queued chunks are through. */
  private endDrain(outcome: { error?: unknown }): void {
    const drain = this.drain!;
    drain.outcome ??= outcome;
    if (!drain.pending) this.settleDrain(drain.outcome);
  }

  private settleDrain(outcome: { error?: unknown }): void {
    const drain = this.drain!;
    if (drain.settled) return;
    drain.settled = true;
    drain.queued = [];
    if (outcome.error === undefined) drain.resolve();
    else drain.reject(outcome.error);
    // Not a stream any more: closed without an error event (the transport drops its abort listener on 'close').
    this.destroy();
  }

  override _read(): void {
    this.controller.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.stopWatchdog();
    if (!this.finished) {
      this.finished = true;
      // The reader gave up before the end: the connection cannot carry another request.
      this.controller.abort(err ?? new Error('the body was closed before its end'));
    }
    callback(err);
  }

  private finish(): void {
    this.finished = true;
    this.stopWatchdog();
    if (this.drain) this.endDrain({});
    else this.push(null);
  }

  private checkSpeed(): void {
    const { bytesPerSecond, windowMs } = this.limits;
    const slow = this.windowBytes < (bytesPerSecond * windowMs) / 1000;
    const heldBack = this.pausedInWindow || this.controller.paused;
    if (slow && !heldBack) {
      this.fail(new S3TransportError(
        'ERR_LOW_SPEED',
        this.url,
        `the body came at ${Math.round((this.windowBytes * 1000) / windowMs)} bytes/s over ${windowMs / 1000} s, below http.low_speed_limit = ${formatBytes(bytesPerSecond)}/s for http.low_speed_time = ${windowMs / 1000} s`,
      ));
      return;
    }
    this.windowBytes = 0;
    this.pausedInWindow = this.controller.paused;
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
  }
}
