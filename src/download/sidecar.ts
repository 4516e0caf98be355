import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { assertRealFolder, createExclusive, readSmallFileNoFollow } from '../util/safe-fs.js';
import { localFileFailure } from './file-failure.js';

/**
 * What stacflow remembers beside each downloaded file, in a hidden JSON file in the same folder:
 * `data/c/ID/ID.tif` → `data/c/ID/.ID.tif.stacflow.json`. Beside the file (not in a run state) so that moving
 * or deleting a folder keeps them together, and a later run, from any pipeline, can tell a current copy
 * (same href, size and ETag as a HEAD says now: skipped without a GET) from a stale one.
 *
 * While a download is under way it says `partial` and describes the `<file>.part` beside it: which object
 * version (ETag) it holds a prefix of, or, for a download in ranged parts, the part size and the parts
 * already written, so a killed run resumes only what is missing.
 */
export interface Sidecar {
  stacflow_download: 1;
  state: 'partial' | 'complete';
  href: string;
  /** Bytes of the object. */
  size?: number;
  etag?: string;
  last_modified?: string;
  /** The `file:checksum` multihash the file was verified against. */
  checksum?: string;
  /** Ranged-parts download: bytes per part, and the indexes of the parts written and synced. */
  part_size?: number;
  parts_done?: number[];
  /** When the file was completed (ISO 8601). */
  completed_at?: string;
}

const SUFFIX = '.stacflow.json';
const TEMP_SUFFIX = '.tmp';

export const sidecarPath = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}${SUFFIX}`);
export const sidecarTempPath = (file: string): string => `${sidecarPath(file)}${TEMP_SUFFIX}`;

/** Bytes the longest name beside a file adds to the file's own name: `.<name>.stacflow.json.tmp`. */
export const SIDECAR_EXTRA_BYTES = Buffer.byteLength(`.${SUFFIX}${TEMP_SUFFIX}`);

/** A sidecar is a few hundred bytes; a larger file at its name is not one (and is not read into memory). */
const MAX_SIDECAR_BYTES = 64 * 1024;

/**
 * The sidecar of `file`, or undefined when there is none or it is not one (then nothing is trusted): a link at
 * its name is not followed (O_NOFOLLOW), so a sidecar planted elsewhere is never believed.
 */
export async function readSidecar(file: string): Promise<Sidecar | undefined> {
  const text = await readSmallFileNoFollow(sidecarPath(file), MAX_SIDECAR_BYTES);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<Sidecar>;
    if (value === null || typeof value !== 'object') return undefined;
    if (value.stacflow_download !== 1 || (value.state !== 'partial' && value.state !== 'complete') || typeof value.href !== 'string') return undefined;
    return value as Sidecar;
  } catch {
    return undefined;
  }
}

/** The sidecar write under way for each sidecar path: the next one waits for it (they share the `.tmp` name). */
const writesUnderWay = new Map<string, Promise<void>>();

/**
 * Written aside and renamed: a reader (or a killed run) never sees half a sidecar. Not synced: a sidecar lost
 * in a power cut only costs a download again (it is written after the data it describes is synced, so it is
 * never ahead of it). The temporary `.<name>.stacflow.json.tmp` is created new (O_EXCL | O_NOFOLLOW): one left
 * by a killed run, or a link planted there, is unlinked first — never written through. The rename replaces a
 * link at the sidecar's own name (the link, not its target). Writes of one file's sidecar run one at a time,
 * in the order they were asked for (so the last asked for is the one that stays). Errors are
 * ERR_DOWNLOAD_PATH / ERR_DOWNLOAD_WRITE.
 */
export function writeSidecar(file: string, sidecar: Sidecar): Promise<void> {
  const target = sidecarPath(file);
  const before = writesUnderWay.get(target);
  const write = before ? before.then(() => writeNow(file, sidecar), () => writeNow(file, sidecar)) : writeNow(file, sidecar);
  writesUnderWay.set(target, write);
  const forget = () => {
    if (writesUnderWay.get(target) === write) writesUnderWay.delete(target);
  };
  write.then(forget, forget);
  return write;
}

async function writeNow(file: string, sidecar: Sidecar): Promise<void> {
  const target = sidecarPath(file);
  const tmp = sidecarTempPath(file);
  try {
    await assertRealFolder(path.dirname(file));
    const handle = await createExclusive(tmp);
    try {
      await handle.writeFile(`${JSON.stringify(sidecar)}\n`);
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw localFileFailure(err, target, 'write the sidecar');
  }
}

export async function removeSidecar(file: string): Promise<void> {
  await rm(sidecarPath(file), { force: true });
}
