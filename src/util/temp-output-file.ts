import { once } from 'node:events';
import { constants, createWriteStream, type WriteStream } from 'node:fs';
import { lstat, mkdir, open, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PassThrough, type Transform, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { outputWriteError } from '../errors.js';
import { isRemoteOutput } from '../remote-output/output-url.js';
import { outputS3Settings, type OutputS3Settings } from '../remote-output/settings.js';
import { dropStaged, prepareStaging, stagingPathFor } from '../remote-output/staging.js';
import type { UploadedObject } from '../remote-output/uploads.js';
import { createExclusive } from './safe-fs.js';
import { removeStaleTemps } from './stale-temps.js';

/** `-` as an output path: standard output (logs stay on stderr). */
export const STDOUT_PATH = '-';

/** How an output reaches its path, decided when it is opened. */
type Target =
  /** A regular file (or none yet): written aside and renamed over `file` (the link's target when `path` is a link). */
  | { kind: 'replace'; file: string }
  /** An existing FIFO, device or socket (`/dev/stdout`, `/dev/null`, a named pipe): opened and written as it is. */
  | { kind: 'in-place' }
  | { kind: 'stdout' };

interface Opened {
  head: Transform | Writable;
  /** The file's own stream; undefined when writing to standard output (never closed by us). */
  file?: WriteStream;
  done: Promise<void>;
}

/**
 * An output file written to `<path>.tmp-<pid>` beside `path` (directories created), streaming, with
 * backpressure; `finish()` renames it to `path`, so a reader never sees half a file; `abort()` removes the
 * temporary file and leaves an earlier file at `path` as it was. What is written goes through `encode`
 * (a CSV stringifier, say) when one is given, as text otherwise. Every failure is outputWriteError(path).
 *
 * Where the output goes, decided at the first write:
 * - `-`: standard output, not closed at the end;
 * - an existing file that is not a regular one (a FIFO, a device, `/dev/stdout` — a link to one): written in
 *   place, never replaced (a reader at the FIFO gets the rows as they come);
 * - a link to a regular file: the link stays, its target is replaced (temporary file beside the target);
 * - otherwise the temporary file, created new (O_CREAT | O_EXCL | O_NOFOLLOW: never through a link planted at
 *   that name), after removing the `<path>.tmp-<pid>` files of runs that were killed (src/util/stale-temps.ts);
 * - `s3://bucket/key`: all of the above on a staged local file (src/remote-output/staging.ts), which `finish()`
 *   then uploads, verifies and removes (src/remote-output/upload.ts); `abort()` uploads nothing.
 */
export class TempOutputFile<T = string> {
  private temp: string;
  /** The local file written: `path`, or the staged file of an `s3://` path. */
  private readonly local: string;
  /** An `s3://` path: where the file goes on finish, with the settings of the run that opened it. */
  private readonly remote?: { url: string; settings: OutputS3Settings };
  private published?: UploadedObject;
  private opened?: Promise<Opened>;
  private target?: Target;
  private error?: unknown;
  private closed = false;
  /** False while the open is under way (opening a FIFO waits until a reader opens it). */
  private settled = false;

  constructor(readonly path: string, private readonly encode?: () => Transform) {
    if (isRemoteOutput(path)) this.remote = { url: path, settings: outputS3Settings() };
    this.local = this.remote ? stagingPathFor(path) : path;
    this.temp = `${this.local}.tmp-${process.pid}`;
  }

  /** An `s3://` output once finished: the object S3 holds (size, ETag). */
  get uploaded(): UploadedObject | undefined {
    return this.published;
  }

  /** The temporary file (beside the link's target when `path` is a link to a regular file). */
  get tempPath(): string {
    return this.temp;
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
    if (this.target?.kind !== 'replace') return;
    await rename(this.temp, this.target.file).catch((err: unknown) => this.fail(err));
    this.throwIfFailed();
    if (this.remote) await this.publish(this.target.file, this.remote);
  }

  /** Uploads the finished staged file (lazily loading the AWS SDK), then removes it, uploaded or not. */
  private async publish(file: string, remote: { url: string; settings: OutputS3Settings }): Promise<void> {
    try {
      const { uploadOutput } = await import('../remote-output/upload.js');
      this.published = await uploadOutput(file, remote.url, remote.settings);
    } finally {
      await dropStaged(file);
    }
  }

  /** Drops the temporary file; an earlier file at `path` stays. Safe at any time, more than once. */
  async abort(): Promise<void> {
    this.closed = true;
    if (this.opened && !this.settled && this.target?.kind === 'in-place') {
      // A FIFO nobody reads yet: its open may never return. Do not wait for it; close it if it ever does.
      this.opened.then((late) => { late.head.destroy(); late.file?.destroy(); }, () => undefined);
      return;
    }
    const opened = await this.opened?.catch(() => undefined);
    if (opened && this.target?.kind === 'stdout') {
      // What went out is out; end our side without destroying the process's standard output with it.
      opened.head.end();
      await opened.done.catch(() => undefined);
      return;
    }
    if (opened) {
      opened.head.destroy();
      opened.file?.destroy();
      await opened.done.catch(() => undefined);
      // Remove the file only once its descriptor is closed.
      if (opened.file && !opened.file.closed) await once(opened.file, 'close').catch(() => undefined);
    }
    if (this.target !== undefined && this.target.kind !== 'replace') return; // nothing of ours to remove
    await rm(this.temp, { force: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTDIR') throw err; // no directory: no temporary file either
    });
  }

  private open(): Promise<Opened> {
    if (this.closed) return Promise.reject(new Error(`${this.path}: already finished or aborted`));
    this.opened ??= this.openTarget()
      .catch((err: unknown) => {
        this.fail(err);
        throw outputWriteError(this.named(), err);
      })
      .finally(() => {
        this.settled = true;
      });
    return this.opened;
  }

  private async openTarget(): Promise<Opened> {
    if (this.remote) await prepareStaging();
    const target = await targetOf(this.local);
    this.target = target;
    if (target.kind === 'stdout') {
      const head = this.encode?.() ?? new PassThrough();
      // Standard output is shared with the process: ended by nobody here.
      const done = pipeline(head, process.stdout, { end: false });
      done.catch((err: unknown) => this.fail(err));
      return { head, done };
    }
    let file: WriteStream;
    if (target.kind === 'in-place') {
      // No O_CREAT: if the FIFO or device went away, nothing is created in its place. No fsync (EINVAL there).
      const handle = await open(this.local, constants.O_WRONLY | (constants.O_NOCTTY ?? 0));
      file = createWriteStream(this.local, { fd: handle });
    } else {
      this.temp = `${target.file}.tmp-${process.pid}`;
      await mkdir(dirname(this.temp), { recursive: true });
      await removeStaleTemps(target.file);
      const handle = await createExclusive(this.temp);
      file = createWriteStream(this.temp, { fd: handle, flush: true });
    }
    const encoder = this.encode?.();
    const head = encoder ?? file;
    const done = encoder ? pipeline(encoder, file) : finished(file);
    done.catch((err: unknown) => this.fail(err));
    return { head, file, done };
  }

  private fail(err: unknown): void {
    this.error ??= err;
  }

  private throwIfFailed(): void {
    if (this.error === undefined) return;
    throw outputWriteError(this.named(), this.error);
  }

  /** The output as messages name it: an `s3://` path with the local file it is staged in (a full TMPDIR...). */
  private named(): string {
    return this.remote ? `${this.path} (staged at ${this.local})` : this.path;
  }
}

/** Where `path` is written (see TempOutputFile). */
async function targetOf(path: string): Promise<Target> {
  if (path === STDOUT_PATH) return { kind: 'stdout' };
  const link = await lstat(path).catch(() => undefined);
  if (link === undefined) return { kind: 'replace', file: path };
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return { kind: 'replace', file: path }; // a dangling link: replaced, as a missing file
  if (!info.isFile() && !info.isDirectory()) return { kind: 'in-place' };
  return { kind: 'replace', file: link.isSymbolicLink() ? await realpath(path) : path };
}
