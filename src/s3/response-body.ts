import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { formatBytes } from '../http/limits.js';
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
 */

export interface BodyLimits {
  /** Bytes handed on at most; undefined: no cap. */
  cap?: number;
  /** 0 turns the low-speed check off. */
  bytesPerSecond: number;
  windowMs: number;
}

/** Large enough that a 64 KiB socket read or a few TLS records sit in it without pausing the socket. */
const HIGH_WATER_MARK = 256 * 1024;

export class ResponseBody extends Readable {
  /** True once the body ended by itself or at its cap: undici's later errors (the abort at the cap) are not ours. */
  private finished = false;
  private handedOn = 0;
  private windowBytes = 0;
  private pausedInWindow = false;
  private readonly watchdog?: NodeJS.Timeout;

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
      if (cap > this.handedOn) this.push(chunk.subarray(0, cap - this.handedOn));
      this.handedOn = cap;
      this.finish();
      this.controller.abort(new S3TransportError('ERR_BAD_RESPONSE', this.url, `error body cut at ${formatBytes(cap)} (http.max_error_body_bytes)`));
      return;
    }
    this.handedOn += chunk.byteLength;
    if (!this.push(chunk)) {
      this.pausedInWindow = true;
      this.controller.pause();
    }
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
    this.destroy(err);
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
    this.push(null);
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
