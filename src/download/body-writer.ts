import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { errorMessage } from '../errors.js';
import { isDirectBody, type TakeChunk } from '../util/direct-body.js';
import { DownloadError } from './errors.js';

/** Bytes counted into the stage's `bytes` counter at a time (the progress line moves, the stats stay cheap). */
const COUNT_EVERY = 1 << 20;

export interface BodyResult {
  /** Where the next byte goes: the file position after the last byte written. */
  position: number;
  /** Why the body stopped early (a reset, an abort); undefined when it ended by itself. */
  error?: unknown;
}

/**
 * Bytes taken into one write. Chunks are kept as they came (TLS bodies come in records of 16 KiB at most, plain
 * HTTP in socket reads of up to 64 KiB) and written together with one writev: no copy in between, and tens of
 * writes per GB instead of tens of thousands. At most MAX_CHUNKS a write, so a body of tiny chunks (a slow
 * link) cannot pile up chunk objects.
 */
const WRITE_BYTES = 256 * 1024;
const MAX_CHUNKS = 256;

/**
 * Streams a body into `file` at `start` with positional writes. Chunks are batched into writes of 256 KiB,
 * two batches at a time: while one is being written the next fills, so the socket pauses only when both are
 * busy (a slow disk), and memory stays at two batches and a chunk whatever the size. Stops at `end`
 * (exclusive): a body longer than announced is refused, never written past its range. Errors of the body are
 * returned with the position reached in the file, so the caller can resume from there; errors of the file are
 * thrown (naming `href`, the object being downloaded).
 */
export async function writeBody(
  body: Readable, file: FileHandle, start: number, end: number | undefined,
  onChunk: (chunk: Uint8Array) => void, count: (bytes: number) => void, href?: string,
): Promise<BodyResult> {
  const source = href ? `${href}: ` : '';
  /** Bytes taken from the body (in the file, being written or batched), and bytes in the file (contiguous from `start`). */
  let taken = start;
  let written = start;
  let batch: Buffer[] = [];
  let batchBytes = 0;
  /** Where the batch goes in the file. */
  let batchAt = start;
  /** The write of the previous batch, if one is in progress. */
  let inFlight: Promise<void> | undefined;
  let writeError: unknown;
  let uncounted = 0;
  const wrote = (n: number): void => {
    written += n;
    uncounted += n;
    if (uncounted >= COUNT_EVERY) {
      count(uncounted);
      uncounted = 0;
    }
  };
  /** Starts writing the batch (call with no write in flight). */
  const startWrite = (): void => {
    if (batchBytes === 0) return;
    const chunks = batch;
    const n = batchBytes;
    inFlight = writeAll(file, chunks, batchAt).then(
      () => {
        wrote(n);
        inFlight = undefined;
      },
      (err: unknown) => {
        writeError = err;
        inFlight = undefined;
      },
    );
    batch = [];
    batchBytes = 0;
  };
  /** Waits for the write in flight; throws its error. */
  const settle = async (): Promise<void> => {
    await inFlight;
    if (writeError !== undefined) throw writeError;
  };
  const flush = async (): Promise<void> => {
    await settle();
    startWrite();
    await settle();
  };
  const take: TakeChunk = (chunk) => {
    if (writeError !== undefined) throw writeError;
    if (end !== undefined && taken + chunk.length > end) {
      throw new DownloadError('ERR_DOWNLOAD_SIZE', `${source}the server sent more bytes than announced (past byte ${end}); nothing past it was written`, { href });
    }
    onChunk(chunk);
    if (batchBytes === 0) batchAt = taken;
    taken += chunk.length;
    batch.push(chunk);
    batchBytes += chunk.length;
    if (batchBytes < WRITE_BYTES && batch.length < MAX_CHUNKS) return undefined;
    // The batch is full: write it, once the previous batch's write is done.
    if (!inFlight) {
      startWrite();
      return undefined;
    }
    return settle().then(startWrite);
  };
  let failure: unknown;
  try {
    try {
      await (isDirectBody(body) ? body.drainInto(take) : eachChunk(body, take));
    } catch (err) {
      if (err instanceof DownloadError || isFileError(err)) throw err;
      failure = err;
    }
    // What was batched is good data, also when the body broke off after it.
    await flush();
    return failure === undefined ? { position: written } : { position: written, error: failure };
  } catch (err) {
    if (err instanceof DownloadError) throw err;
    throw new DownloadError('ERR_DOWNLOAD_WRITE', `${source}cannot write ${errorMessage(err)}; free some space or fix the permissions, then run again`, { href, cause: err });
  } finally {
    // A write still in flight (the body failed the size check) finishes before the file is closed by the caller.
    await inFlight;
    if (uncounted > 0) count(uncounted);
    body.destroy();
  }
}

/**
 * Hands each chunk of `body` to `take` as it comes, in flowing mode: no promise per chunk and no copy (an async
 * iterator's read() joins whatever is buffered into one new buffer), which at hundreds of MB/s is CPU that counts.
 * While a write `take` returned is pending, the body is paused (and with it the socket). Resolves at the body's
 * end, rejects with its error (once the pending write is done: what was taken before is good data), or with the
 * write's own error.
 */
function eachChunk(body: Readable, take: TakeChunk): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let pending: Promise<void> | undefined;
    let settled = false;
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      body.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      const finish = (): void => (err === undefined ? resolve() : reject(err));
      if (pending) pending.then(finish, reject);
      else finish();
    };
    const onData = (chunk: Buffer): void => {
      let wait: Promise<void> | undefined;
      try {
        wait = take(chunk);
      } catch (err) {
        settle(err);
        return;
      }
      if (!wait) return;
      body.pause();
      pending = wait.then(() => {
        pending = undefined;
        if (!settled) body.resume();
      });
      // A failed write ends the body at once (its error wins over the body's).
      pending.catch((err: unknown) => {
        pending = undefined;
        if (!settled) settle(err);
        else reject(err);
      });
    };
    const onEnd = (): void => settle();
    const onError = (err: unknown): void => settle(err);
    // Destroyed without an error (an abort that gave none): the body did not end.
    const onClose = (): void => settle(Object.assign(new Error('the body closed before its end'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    body.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}

/** Writes every chunk at `position`, in order (writev: one system call for the batch, again for what a short write left). */
async function writeAll(file: FileHandle, chunks: Buffer[], position: number): Promise<void> {
  let rest = chunks;
  let at = position;
  while (rest.length > 0) {
    let bytesWritten: number;
    try {
      ({ bytesWritten } = await file.writev(rest, at));
    } catch (err) {
      throw Object.assign(err as Error, { fileError: true });
    }
    if (bytesWritten === 0) throw Object.assign(new Error('the file took no bytes (a write of 0)'), { fileError: true });
    at += bytesWritten;
    // A short write (rare on files): drop what was written, cut into the chunk it stopped in.
    let i = 0;
    while (i < rest.length && bytesWritten >= rest[i]!.length) bytesWritten -= rest[i++]!.length;
    rest = rest.slice(i);
    if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
  }
}

const isFileError = (err: unknown): boolean => (err as { fileError?: boolean } | undefined)?.fileError === true;
