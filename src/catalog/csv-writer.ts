import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { stringify, type Stringifier } from 'csv-stringify';
import { outputWriteError } from '../errors.js';

/**
 * Writes CSV rows to `<path>.tmp-<pid>` beside `path` (directories created), streaming, with backpressure;
 * `finish()` renames the file to `path`, so a reader never sees half a catalog; `abort()` removes the
 * temporary file and leaves any earlier file at `path` as it was.
 */
export class CsvFileWriter {
  readonly tempPath: string;
  private opened?: Promise<{ csv: Stringifier; file: WriteStream; done: Promise<void> }>;
  private error?: unknown;
  private closed = false;

  constructor(readonly path: string) {
    this.tempPath = `${path}.tmp-${process.pid}`;
  }

  /** Resolves when the stream accepts more (after 'drain' when its buffer is full). */
  async writeRow(values: readonly unknown[]): Promise<void> {
    const { csv, done } = await this.open();
    this.throwIfFailed();
    if (!csv.write(values.map(formatCsvValue))) {
      await Promise.race([once(csv, 'drain'), done]).catch((err: unknown) => this.fail(err));
      this.throwIfFailed();
    }
  }

  /** Ends the file and moves it to `path`. */
  async finish(): Promise<void> {
    const { csv, done } = await this.open();
    this.closed = true;
    csv.end();
    await done.catch((err: unknown) => this.fail(err));
    this.throwIfFailed();
    try {
      await rename(this.tempPath, this.path);
    } catch (err) {
      this.fail(err);
      this.throwIfFailed();
    }
  }

  /** Drops the temporary file; an earlier file at `path` stays. Safe to call at any time, more than once. */
  async abort(): Promise<void> {
    this.closed = true;
    if (this.opened) {
      const opened = await this.opened.catch(() => undefined);
      if (opened) {
        opened.csv.destroy();
        opened.file.destroy();
        await opened.done.catch(() => undefined);
        // Remove the file only once its descriptor is closed.
        if (!opened.file.closed) await once(opened.file, 'close').catch(() => undefined);
      }
    }
    await rm(this.tempPath, { force: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTDIR') throw err; // no directory: no temporary file either
    });
  }

  private open(): Promise<{ csv: Stringifier; file: WriteStream; done: Promise<void> }> {
    if (this.closed) return Promise.reject(new Error(`${this.path}: writer already finished or aborted`));
    this.opened ??= (async () => {
      try {
        await mkdir(dirname(this.tempPath), { recursive: true });
      } catch (err) {
        this.fail(err);
        this.throwIfFailed();
      }
      const file = createWriteStream(this.tempPath, { flush: true });
      // Open now, so that a file that cannot be created stops the run at its first row.
      await once(file, 'ready').catch((err: unknown) => this.fail(err));
      this.throwIfFailed();
      const csv = stringify();
      const done = pipeline(csv, file);
      done.catch((err: unknown) => this.fail(err));
      return { csv, file, done };
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

/** A value as CSV text: numbers as-is, null/undefined empty, dates ISO, arrays and objects as compact JSON. */
export function formatCsvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  return JSON.stringify(value) ?? '';
}
