import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { outputWriteError } from '../errors.js';

/**
 * An output file written to `<path>.tmp-<pid>` beside `path` (directories created), streaming, with
 * backpressure; `finish()` renames it to `path`, so a reader never sees half a file; `abort()` removes the
 * temporary file and leaves an earlier file at `path` as it was. What is written goes through `encode`
 * (a CSV stringifier, say) when one is given, as text otherwise. Every failure is outputWriteError(path).
 */
export class TempOutputFile<T = string> {
  readonly tempPath: string;
  private opened?: Promise<{ head: Transform | WriteStream; file: WriteStream; done: Promise<void> }>;
  private error?: unknown;
  private closed = false;

  constructor(readonly path: string, private readonly encode?: () => Transform) {
    this.tempPath = `${path}.tmp-${process.pid}`;
  }

  /** Resolves when the stream accepts more (after 'drain' when its buffer is full). */
  async write(chunk: T): Promise<void> {
    const { head, done } = await this.open();
    this.throwIfFailed();
    if (!head.write(chunk)) {
      await Promise.race([once(head, 'drain'), done]).catch((err: unknown) => this.fail(err));
      this.throwIfFailed();
    }
  }

  /** Ends the file (an empty one if nothing was written) and moves it to `path`. */
  async finish(): Promise<void> {
    const { head, done } = await this.open();
    this.closed = true;
    head.end();
    await done.catch((err: unknown) => this.fail(err));
    this.throwIfFailed();
    await rename(this.tempPath, this.path).catch((err: unknown) => this.fail(err));
    this.throwIfFailed();
  }

  /** Drops the temporary file; an earlier file at `path` stays. Safe at any time, more than once. */
  async abort(): Promise<void> {
    this.closed = true;
    const opened = await this.opened?.catch(() => undefined);
    if (opened) {
      opened.head.destroy();
      opened.file.destroy();
      await opened.done.catch(() => undefined);
      // Remove the file only once its descriptor is closed.
      if (!opened.file.closed) await once(opened.file, 'close').catch(() => undefined);
    }
    await rm(this.tempPath, { force: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTDIR') throw err; // no directory: no temporary file either
    });
  }

  private open(): Promise<{ head: Transform | WriteStream; file: WriteStream; done: Promise<void> }> {
    if (this.closed) return Promise.reject(new Error(`${this.path}: already finished or aborted`));
    this.opened ??= (async () => {
      await mkdir(dirname(this.tempPath), { recursive: true }).catch((err: unknown) => this.fail(err));
      this.throwIfFailed();
      const file = createWriteStream(this.tempPath, { flush: true });
      // Open now, so that a file that cannot be created stops the run at its first write.
      await once(file, 'ready').catch((err: unknown) => this.fail(err));
      this.throwIfFailed();
      const encoder = this.encode?.();
      const head = encoder ?? file;
      const done = encoder ? pipeline(encoder, file) : finished(file);
      done.catch((err: unknown) => this.fail(err));
      return { head, file, done };
    })();
    return this.opened;
  }

  private fail(err: unknown): void {
    this.error ??= err;
  }

  private throwIfFailed(): void {
    if (this.error === undefined) return;
    throw outputWriteError(this.path, this.error);
  }
}
