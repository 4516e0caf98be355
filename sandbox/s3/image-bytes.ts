import { createCipheriv } from 'node:crypto';
import { hash32 } from '../random.js';

/** Default size of a sandbox `image` object: small, so tests and the demo move little data. */
export const DEFAULT_IMAGE_BYTES = 64 * 1024;

const CHUNK = 1 << 20;
// A little-endian TIFF header (byte order, magic 42, first IFD at 8), so `file` and sniffers see a TIFF.
const TIFF_HEADER = Uint8Array.of(0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00);

/**
 * The bytes of item `g`'s `image` object, in chunks of up to 1 MiB: a TIFF header, then an AES-128-CTR key
 * stream keyed by (seed, g) — native, so a 64 KiB image costs microseconds even in jest's VM. Not a readable
 * image: a payload whose every byte a download can be checked against. Same (seed, g, size), same bytes,
 * whatever the chunking (CTR's stream continues across `update` calls). A touched item (`revision` > 0, see
 * catalog-changes.ts) has other bytes, so another ETag.
 */
export function* imageChunks(seed: number, g: number, size: number, revision = 0): Generator<Uint8Array> {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`sandbox: imageBytes must be a whole number >= 0, got ${size}`);
  const key = Buffer.alloc(16);
  for (let k = 0; k < 4; k += 1) key.writeUInt32LE(revision === 0 ? hash32(seed, g, 30, k) : hash32(seed, g, 30, k, revision), 4 * k);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  for (let offset = 0; offset < size; offset += CHUNK) {
    const chunk = new Uint8Array(cipher.update(Buffer.alloc(Math.min(CHUNK, size - offset))));
    if (offset === 0) chunk.set(TIFF_HEADER.subarray(0, chunk.length));
    yield chunk;
  }
}

/** All of item `g`'s image bytes at once (tests: compare a download with it). */
export function imageBytes(seed: number, g: number, size: number, revision = 0): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of imageChunks(seed, g, size, revision)) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
