import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isRemoteOutput } from '../remote-output/output-url.js';

/**
 * Every file `stacflow merge` reads from the shards (reports, catalogs, manifests) comes through here, so that a
 * store other than the local file system (an S3 prefix the shards wrote to) is plugged in at this one place:
 * it hands back a local file to read (a download to a temporary file, say) and releases it after.
 */
export interface ShardFile {
  /** What a message names: the path (or URL) as the pipeline gives it. */
  readonly name: string;
  /** A local file holding the bytes. */
  readonly file: string;
  readonly size: number;
  /** Frees what `localShardFile` took (a temporary copy); nothing for a local file. */
  release(): Promise<void>;
}

/** The shard file at `location` as a local file to read, or undefined when there is none. */
export async function localShardFile(location: string): Promise<ShardFile | undefined> {
  if (isRemoteOutput(location)) {
    // Shards that wrote to an S3 prefix: a signed, bounded download (outputs_s3), the AWS SDK loaded only here.
    const { localCopyIfAny } = await import('../remote-output/read-back.js');
    const copy = await localCopyIfAny(location);
    return copy && { name: location, file: copy.path, size: copy.size, release: copy.release };
  }
  const info = await stat(location).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw err;
  });
  if (info === undefined) return undefined;
  if (!info.isFile()) throw new Error(`${location}: not a regular file`);
  return { name: location, file: location, size: info.size, release: async () => undefined };
}

/** The names in the folder of `location` (the shards' reports are found by name beside the pipeline's report). */
export async function shardFolderNames(location: string): Promise<string[]> {
  if (isRemoteOutput(location)) {
    const { listBeside } = await import('../remote-output/read-back.js');
    return (await listBeside(location)).map((url) => url.slice(url.lastIndexOf('/') + 1));
  }
  return readdir(path.dirname(location)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
    throw err;
  });
}
