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
 * Streams a body into `file` at `start` with positional writes, one chunk at a time (the socket is paused
 * while a chunk is written, so memory stays at a chunk or two whatever the size). Stops at `end` (exclusive):
 * a body longer than announced is refused, never written past its range. Errors of the body are returned
 * with the position reached, so the caller can resume from there; errors of the file are thrown.
 */
export async function writeBody(
  body: Readable, file: FileHandle, start: number, end: number | undefined,
  onChunk: (chunk: Uint8Array) => void, count: (bytes: number) => void,
): Promise<BodyResult> {
  let position = start;
  let pending = 0;
  const write = async (chunk: Uint8Array): Promise<void> => {
    if (end !== undefined && position + chunk.length > end) {
      throw new DownloadError('ERR_DOWNLOAD_SIZE', `the server sent more bytes than announced (past byte ${end})`);
    }
    // Hashed before the write returns: a borrowed chunk (below) is only valid until then.
    onChunk(chunk);
    await writeFully(file, chunk, position);
    position += chunk.length;
    pending += chunk.length;
    if (pending >= COUNT_EVERY) {
      count(pending);
      pending = 0;
    }
  };
  try {
    if (isBorrowingBody(body)) {
      // src/http1 bodies (S3): chunks are views of the connection's read buffer, written without a copy.
      await body.consumeChunks(write);
    } else {
      for await (const chunk of body as AsyncIterable<Uint8Array>) await write(chunk);
    }
    return { position };
  } catch (err) {
    if (err instanceof DownloadError) throw err;
    if (isFileError(err)) throw new DownloadError('ERR_DOWNLOAD_WRITE', `cannot write ${errorMessage(err)}; free some space or fix the permissions, then run again`, { cause: err });
    return { position, error: err };
  } finally {
    if (pending > 0) count(pending);
    body.destroy();
  }
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

interface BorrowingBody {
  consumeChunks(consumer: (chunk: Uint8Array) => Promise<void>): Promise<void>;
}

const isBorrowingBody = (body: Readable): body is Readable & BorrowingBody => typeof (body as Partial<BorrowingBody>).consumeChunks === 'function';

const isFileError = (err: unknown): boolean => (err as { fileError?: boolean } | undefined)?.fileError === true;
