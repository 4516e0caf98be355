import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { SandboxCatalog } from '../sandbox/catalog.js';
import { materialiseItem } from '../sandbox/item-factory.js';
import { parseS3Href } from '../src/s3/href.js';

/**
 * The download benchmark's objects: one per sandbox item (its `image` asset's key), with deterministic bytes
 * written once under `<root>/<bucket>/<key>`, the path-style layout the local endpoint serves.
 */

/** `40x20MB`: how many objects of which size. Units: B, KB/MB/GB (powers of 1000), KiB/MiB/GiB (of 1024). */
export interface ObjectSpec {
  count: number;
  bytes: number;
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30 };

export function parseObjectSpec(text: string, variable: string): ObjectSpec {
  const match = /^\s*(\d+)\s*x\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = UNITS[(match?.[3] || 'b').toLowerCase()];
  if (!match || unit === undefined) throw new Error(`${variable}=${text}: expected COUNTxSIZE, e.g. 40x20MB or 2x500MiB`);
  return { count: Number(match[1]), bytes: Math.round(Number(match[2]) * unit) };
}

export interface BenchObject {
  id: string;
  collection: string;
  bucket: string;
  key: string;
  bytes: number;
  /** Index among all objects: stamped into its bytes, so a part written at the wrong place or file shows. */
  index: number;
}

/**
 * The objects for the first `small.count + large.count` items of a one-collection sandbox catalog (the bench
 * starts its sandbox with the same seed and collection, so these are exactly the items a search returns).
 * Large objects are spread through the list rather than bunched at one end.
 */
export function planObjects(seed: number, collection: string, small: ObjectSpec, large: ObjectSpec): BenchObject[] {
  const total = small.count + large.count;
  const catalog = new SandboxCatalog(seed, [{ id: collection, items: total }]);
  const largeAt = new Set(Array.from({ length: large.count }, (_, j) => Math.floor(((j + 0.5) * total) / large.count)));
  return Array.from({ length: total }, (_, g) => {
    const item = materialiseItem(catalog, g, 'http://127.0.0.1');
    const href = item.assets.image?.href;
    const location = href ? parseS3Href(href) : undefined;
    if (!location) throw new Error(`sandbox item ${item.id} has no S3 image href (${href})`);
    return { id: item.id, collection, bucket: location.bucket, key: location.key, bytes: largeAt.has(g) ? large.bytes : small.bytes, index: g };
  });
}

const BLOCK = 1 << 20;

/** 1 MiB of xorshift32 noise: incompressible, the same in every run. */
function noiseBlock(): Buffer {
  const block = Buffer.alloc(BLOCK);
  let x = 0x9e3779b9;
  for (let i = 0; i < BLOCK; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block.writeUInt32LE(x >>> 0, i);
  }
  return block;
}

/** Writes every object under `root`; each MiB is the noise block stamped with (object index, MiB index). */
export async function writeObjects(root: string, objects: readonly BenchObject[]): Promise<void> {
  const block = noiseBlock();
  for (const object of objects) {
    const file = objectPath(root, object);
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(file, 'w');
    try {
      for (let offset = 0, chunk = 0; offset < object.bytes; offset += BLOCK, chunk += 1) {
        block.writeUInt32LE(object.index, 0);
        block.writeUInt32LE(chunk, 4);
        await handle.write(block, 0, Math.min(BLOCK, object.bytes - offset));
      }
    } finally {
      await handle.close();
    }
  }
}

export const objectPath = (root: string, object: BenchObject): string => path.join(root, object.bucket, ...object.key.split('/'));

/** MD5 (hex) of a file, read as a stream. */
export function md5File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('md5');
    createReadStream(file, { highWaterMark: BLOCK })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
