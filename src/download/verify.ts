import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * What a downloaded file is checked against, and the hashes that check it: the size the server announced,
 * the MD5 of an S3 single-part ETag (32 hex digits; multipart ETags `<md5>-<n>` are not an MD5 of the
 * content), and the STAC `file:checksum` (a multihash in hex: code, length, digest).
 */

/** Multihash codes stacflow can check, and Node's name of the hash. */
const MULTIHASH: ReadonlyMap<number, { name: string; algorithm: string; bytes: number }> = new Map([
  [0x11, { name: 'sha1', algorithm: 'sha1', bytes: 20 }],
  [0x12, { name: 'sha2-256', algorithm: 'sha256', bytes: 32 }],
  [0x13, { name: 'sha2-512', algorithm: 'sha512', bytes: 64 }],
  [0x16, { name: 'sha3-256', algorithm: 'sha3-256', bytes: 32 }],
  [0x14, { name: 'sha3-512', algorithm: 'sha3-512', bytes: 64 }],
  [0xd5, { name: 'md5', algorithm: 'md5', bytes: 16 }],
]);

/** A `file:checksum` that can be checked. */
export interface ExpectedChecksum {
  /** As the item wrote it (lower-cased): the FileRecord's `checksum`. */
  multihash: string;
  /** Multihash name (`sha2-256`). */
  name: string;
  /** Node's hash algorithm (`sha256`). */
  algorithm: string;
  /** The digest, hex. */
  digest: string;
}

/** Parsed `file:checksum`: checkable, or why not (an unknown code is reported, not guessed). */
export type ChecksumParse = { ok: true; checksum: ExpectedChecksum } | { ok: false; reason: string };

/**
 * `1220<64 hex>` → sha2-256; `1340…` sha2-512; `1114…` sha1; `d50110…` md5 (code 0xd5 as a varint).
 */
export function parseMultihash(value: unknown): ChecksumParse {
  if (typeof value !== 'string' || !/^(?:[0-9a-fA-F]{2})+$/.test(value)) return { ok: false, reason: `file:checksum ${JSON.stringify(value)} is not a hex multihash` };
  const hex = value.toLowerCase();
  const bytes = Buffer.from(hex, 'hex');
  let offset = 0;
  const varint = (): number | undefined => {
    let result = 0;
    for (let shift = 0; shift < 28 && offset < bytes.length; shift += 7) {
      const byte = bytes[offset++];
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    return undefined;
  };
  const code = varint();
  const length = varint();
  if (code === undefined || length === undefined) return { ok: false, reason: `file:checksum ${hex} is not a multihash (truncated header)` };
  const known = MULTIHASH.get(code);
  if (!known) return { ok: false, reason: `file:checksum ${hex} uses multihash code 0x${code.toString(16)}, which stacflow does not check (it checks ${[...MULTIHASH.values()].map((m) => m.name).join(', ')})` };
  const digest = bytes.subarray(offset);
  if (length !== known.bytes || digest.length !== known.bytes) {
    return { ok: false, reason: `file:checksum ${hex}: a ${known.name} digest has ${known.bytes} bytes, this one says ${length} and has ${digest.length}` };
  }
  return { ok: true, checksum: { multihash: hex, name: known.name, algorithm: known.algorithm, digest: digest.toString('hex') } };
}

/** The MD5 an ETag stands for (S3 single-part uploads), or undefined (multipart `…-N`, weak, other servers). */
export function md5OfEtag(etag: string | undefined): string | undefined {
  const bare = etag?.trim().replace(/^"(.*)"$/, '$1');
  return bare && /^[0-9a-fA-F]{32}$/.test(bare) ? bare.toLowerCase() : undefined;
}

/** The hashes one download computes: MD5 for the ETag, and the `file:checksum` algorithm (shared if both MD5). */
export class Hashes {
  private readonly hashes = new Map<string, Hash>();

  constructor(readonly md5?: string, readonly checksum?: ExpectedChecksum) {
    if (md5) this.hashes.set('md5', createHash('md5'));
    if (checksum && !this.hashes.has(checksum.algorithm)) this.hashes.set(checksum.algorithm, createHash(checksum.algorithm));
  }

  get needed(): boolean {
    return this.hashes.size > 0;
  }

  update(chunk: Uint8Array): void {
    for (const hash of this.hashes.values()) hash.update(chunk);
  }

  /** Feeds the first `length` bytes of `file` (a `.part` being resumed, or a file fetched in parts). */
  async updateFromFile(file: string, length: number, signal?: AbortSignal): Promise<void> {
    if (!this.needed || length === 0) return;
    const stream = createReadStream(file, { start: 0, end: length - 1, highWaterMark: 1 << 20, signal });
    let read = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      this.update(chunk);
      read += chunk.length;
    }
    if (read !== length) throw new Error(`${file}: read ${read} of ${length} bytes`);
  }

  /** Digests, hex: `md5` and the checksum's algorithm. Call once. */
  digests(): Record<string, string> {
    return Object.fromEntries([...this.hashes].map(([name, hash]) => [name, hash.digest('hex')]));
  }
}

/** What verification found wrong, or undefined when the file is right. */
export function checkDigests(digests: Record<string, string>, md5: string | undefined, checksum: ExpectedChecksum | undefined): string | undefined {
  if (md5 && digests.md5 !== md5) return `MD5 ${digests.md5} differs from the ETag's ${md5}`;
  if (checksum && digests[checksum.algorithm] !== checksum.digest) {
    return `${checksum.name} ${digests[checksum.algorithm]} differs from file:checksum's ${checksum.digest}`;
  }
  return undefined;
}
