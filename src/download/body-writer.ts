import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { errorMessage } from '../errors.js';
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
 * Chunks smaller than this are gathered with others into one write: TLS bodies come in records of 16 KiB at
 * most, and a slow network in small reads; a write each would be tens of thousands of writes per GB.
 */
const GATHER_BELOW = 64 * 1024;
const GATHER_BYTES = 256 * 1024;

/**
 * Streams a body into `file` at `start` with positional writes. Small chunks are gathered into 256 KiB writes,
 * in two buffers: while one is being written the other fills, so the socket pauses only when both are busy (a
 * slow disk), and memory stays at two buffers and a chunk whatever the size. Stops at `end` (exclusive): a body
 * longer than announced is refused, never written past its range. Errors of the body are returned with the
 * position reached in the file, so the caller can resume from there; errors of the file are thrown (naming
 * `href`, the object being downloaded).
 */
export async function writeBody(
  body: Readable, file: FileHandle, start: number, end: number | undefined,
  onChunk: (chunk: Uint8Array) => void, count: (bytes: number) => void, href?: string,
): Promise<BodyResult> {
  const source = href ? `${href}: ` : '';
  /** Bytes taken from the body (in the file, being written or gathered), and bytes in the file (contiguous from `start`). */
  let taken = start;
  let written = start;
  let gathered: Buffer | undefined;
  let gatheredBytes = 0;
  /** Where the gathered bytes go in the file. */
  let gatheredAt = start;
  /** The write of the other gather buffer, if one is in progress, and that buffer once it is free again. */
  let inFlight: Promise<void> | undefined;
  let spare: Buffer | undefined;
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
  /** Starts writing the gathered bytes and gathers into the spare buffer meanwhile (call with no write in flight). */
  const rotate = (): void => {
    if (gatheredBytes === 0 || !gathered) return;
    const full = gathered;
    const n = gatheredBytes;
    inFlight = writeFully(file, full.subarray(0, n), gatheredAt).then(
      () => {
        wrote(n);
        spare = full;
        inFlight = undefined;
      },
      (err: unknown) => {
        writeError = err;
        inFlight = undefined;
      },
    );
    gathered = spare;
    spare = undefined;
    gatheredBytes = 0;
  };
  /** Waits for the write in flight; throws its error. */
  const settle = async (): Promise<void> => {
    await inFlight;
    if (writeError !== undefined) throw writeError;
  };
  const flush = async (): Promise<void> => {
    await settle();
    rotate();
    await settle();
  };
  const writeOut = async (chunk: Uint8Array, at: number): Promise<void> => {
    await flush();
    await writeFully(file, chunk, at);
    wrote(chunk.length);
  };
  const gather = (chunk: Uint8Array, at: number): void => {
    const into = (gathered ??= Buffer.allocUnsafe(GATHER_BYTES));
    if (gatheredBytes === 0) gatheredAt = at;
    into.set(chunk, gatheredBytes);
    gatheredBytes += chunk.length;
  };
  /** Takes one chunk; a promise when it must wait for a write. */
  const take = (chunk: Uint8Array): Promise<void> | undefined => {
    if (writeError !== undefined) throw writeError;
    if (end !== undefined && taken + chunk.length > end) {
      throw new DownloadError('ERR_DOWNLOAD_SIZE', `${source}the server sent more bytes than announced (past byte ${end}); nothing past it was written`, { href });
    }
    onChunk(chunk);
    const at = taken;
    taken += chunk.length;
    if (chunk.length >= GATHER_BELOW) return writeOut(chunk, at);
    if (gatheredBytes + chunk.length <= GATHER_BYTES) {
      gather(chunk, at);
      return undefined;
    }
    // The buffer is full: write it and gather into the other one, once the other one's write is done.
    if (!inFlight) {
      rotate();
      gather(chunk, at);
      return undefined;
    }
    return settle().then(() => {
      rotate();
      gather(chunk, at);
    });
  };
  let failure: unknown;
  try {
    try {
      await eachChunk(body, take);
    } catch (err) {
      if (err instanceof DownloadError || isFileError(err)) throw err;
      failure = err;
    }
    // What was gathered is good data, also when the body broke off after it.
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
function eachChunk(body: Readable, take: (chunk: Uint8Array) => Promise<void> | undefined): Promise<void> {
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
    const onData = (chunk: Uint8Array): void => {
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

async function writeFully(file: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    try {
      const { bytesWritten } = await file.write(chunk, offset, chunk.length - offset, position + offset);
      offset += bytesWritten;
    } catch (err) {
      throw Object.assign(err as Error, { fileError: true });
    }
  }
}

const isFileError = (err: unknown): boolean => (err as { fileError?: boolean } | undefined)?.fileError === true;
