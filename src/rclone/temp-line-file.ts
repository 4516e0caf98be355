import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { outputWriteError } from '../errors.js';

/**
 * A text file written line by line to `<path>.tmp-<pid>` (directories created), with backpressure;
 * `finish()` renames it to `path`, so a reader never sees half a list; `abort()` removes the temporary file
 * and leaves an earlier file at `path` as it was. Lines are written as given, each ended by `\n`.
 */
export class TempLineFile {
  readonly tempPath: string;
  private opened?: Promise<WriteStream>;
  private error?: unknown;
  private closed = false;

  constructor(readonly path: string) {
    this.tempPath = `${path}.tmp-${process.pid}`;
  }

  async writeLine(line: string): Promise<void> {
    const file = await this.open();
    this.throwIfFailed();
    if (!file.write(`${line}\n`)) {
      await Promise.race([once(file, 'drain'), once(file, 'close')]).catch((err: unknown) => this.fail(err));
      this.throwIfFailed();
    }
  }

  /** Ends the file (an empty one if nothing was written) and moves it to `path`. */
  async finish(): Promise<void> {
    const file = await this.open();
    this.closed = true;
    file.end();
    if (!file.closed) await once(file, 'close').catch((err: unknown) => this.fail(err));
    this.throwIfFailed();
    await rename(this.tempPath, this.path).catch((err: unknown) => this.fail(err));
    this.throwIfFailed();
  }

  /** Drops the temporary file; an earlier file at `path` stays. Safe at any time, more than once. */
  async abort(): Promise<void> {
    this.closed = true;
    const file = await this.opened?.catch(() => undefined);
    if (file && !file.closed) {
      file.destroy();
      await once(file, 'close').catch(() => undefined); // remove the file only once its descriptor is closed
    }
    await rm(this.tempPath, { force: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTDIR') throw err; // no directory: no temporary file either
    });
  }

  private open(): Promise<WriteStream> {
    if (this.closed) return Promise.reject(new Error(`${this.path}: list already finished or aborted`));
    this.opened ??= (async () => {
      await mkdir(dirname(this.tempPath), { recursive: true }).catch((err: unknown) => this.fail(err));
      this.throwIfFailed();
      const file = createWriteStream(this.tempPath, { flush: true });
      file.on('error', (err) => this.fail(err));
      // Open now, so that a file that cannot be created stops the run at its first line.
      await Promise.race([once(file, 'ready'), once(file, 'close')]).catch((err: unknown) => this.fail(err));
      this.throwIfFailed();
      return file;
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
