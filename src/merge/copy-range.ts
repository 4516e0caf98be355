import { createReadStream } from 'node:fs';
import type { TempOutputFile } from '../util/temp-output-file.js';

/** Bytes read at a time: large enough that 64 shards of a gigabyte stream at disk speed. */
const CHUNK = 1 << 20;

/** Appends bytes [start, end) of `file` to `out`, streamed with its backpressure (never the whole file in memory). */
export async function copyRange(file: string, start: number, end: number, out: TempOutputFile<Uint8Array | string>): Promise<void> {
  if (end <= start) return;
  const stream = createReadStream(file, { start, end: end - 1, highWaterMark: CHUNK });
  for await (const chunk of stream) await out.write(chunk as Buffer);
}

/** Bytes [start, end) of `file` (clipped to the file), read at once: for heads, tails and footers. */
export async function readRange(file: string, start: number, end: number): Promise<Buffer> {
  const { open } = await import('node:fs/promises');
  const handle = await open(file, 'r');
  try {
    const bytes = Buffer.alloc(Math.max(0, end - start));
    let done = 0;
    while (done < bytes.length) {
      const { bytesRead } = await handle.read(bytes, done, bytes.length - done, start + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return bytes.subarray(0, done);
  } finally {
    await handle.close();
  }
}
