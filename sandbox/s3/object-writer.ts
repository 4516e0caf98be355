import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The part of s3rver's FilesystemStore the sandbox writes through (its on-disk layout). */
export interface S3rverStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  existsObject(bucket: string, key: string): Promise<boolean>;
  listObjects(bucket: string, options: { prefix?: string; delimiter?: string; maxKeys?: number; startAfter?: string }): Promise<{ isTruncated: boolean }>;
}

/**
 * Puts an object into s3rver's store, as its PUT would (object file, `.md5`, metadata), but finished when this
 * resolves: s3rver's own `putObject` resolves before its file is flushed, so a GET right after could read a
 * short object. The object file is written aside and renamed, so a reader never sees it half-written.
 */
export async function writeObject(
  store: S3rverStore, bucket: string, key: string, content: Uint8Array | Iterable<Uint8Array>, contentType: string,
): Promise<{ size: number; md5: string }> {
  const objectPath = store.getResourcePath(bucket, key, 'object');
  await mkdir(path.dirname(objectPath), { recursive: true });
  const hash = createHash('md5');
  let size = 0;
  const partial = `${objectPath}.part`;
  if (content instanceof Uint8Array) {
    hash.update(content);
    size = content.byteLength;
    await writeFile(partial, content);
  } else {
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(Readable.from(content), count, createWriteStream(partial));
  }
  const md5 = hash.digest('hex');
  await writeFile(store.getResourcePath(bucket, key, 'object.md5'), md5);
  await writeFile(store.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify({ 'content-type': contentType }, null, 2));
  await rename(partial, objectPath);
  return { size, md5 };
}
