import { z } from 'zod';

/**
 * Byte sizes as users write them: a number of bytes, or a number with a unit. K, M, G, T and KiB, MiB, GiB,
 * TiB are powers of 1024 (as rclone reads `16M`); KB, MB, GB, TB are powers of 1000; B is bytes.
 */
const UNITS: Readonly<Record<string, number>> = Object.freeze({
  '': 1, b: 1,
  k: 1024, kib: 1024, kb: 1000,
  m: 1024 ** 2, mib: 1024 ** 2, mb: 1000 ** 2,
  g: 1024 ** 3, gib: 1024 ** 3, gb: 1000 ** 3,
  t: 1024 ** 4, tib: 1024 ** 4, tb: 1000 ** 4,
});

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/;

/** `"64MiB"` → 67108864, `"250M"` → 262144000, `"1G"` → 1073741824, `"1.5KB"` → 1500; undefined if not a size. */
export function parseByteSize(text: string): number | undefined {
  const match = SIZE.exec(text);
  if (!match) return undefined;
  const unit = UNITS[match[2].toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** A zod schema for a size option: bytes (a whole number) or a string with a unit; parses to bytes. */
export function byteSize(minimum = 1) {
  return z
    .union([z.number().int().min(minimum), z.string().regex(SIZE, { message: 'a size: bytes, or a number with a unit (64MiB, 250M, 1G, 500KB)' })])
    .transform((value, ctx) => {
      const bytes = typeof value === 'number' ? value : parseByteSize(value);
      if (bytes === undefined) {
        ctx.addIssue({ code: 'custom', message: `${String(value)} is not a size: use bytes, or a unit among B, K, KiB, KB, M, MiB, MB, G, GiB, GB, T` });
        return z.NEVER;
      }
      if (bytes < minimum) {
        ctx.addIssue({ code: 'custom', message: `${String(value)} is ${bytes} bytes; at least ${minimum} needed` });
        return z.NEVER;
      }
      return bytes;
    });
}
