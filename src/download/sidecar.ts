import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

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

export const sidecarPath = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}.stacflow.json`);

/** The sidecar of `file`, or undefined when there is none or it is not one (then nothing is trusted). */
export async function readSidecar(file: string): Promise<Sidecar | undefined> {
  try {
    const value = JSON.parse(await readFile(sidecarPath(file), 'utf8')) as Partial<Sidecar>;
    if (value.stacflow_download !== 1 || (value.state !== 'partial' && value.state !== 'complete') || typeof value.href !== 'string') return undefined;
    return value as Sidecar;
  } catch {
    return undefined;
  }
}

/**
 * Written aside and renamed: a reader (or a killed run) never sees half a sidecar. Not synced: a sidecar lost
 * in a power cut only costs a download again (it is written after the data it describes is synced, so it is
 * never ahead of it).
 */
export async function writeSidecar(file: string, sidecar: Sidecar): Promise<void> {
  const target = sidecarPath(file);
  const tmp = `${target}.tmp`;
  await writeFile(tmp, `${JSON.stringify(sidecar)}\n`);
  await rename(tmp, target);
}

export async function removeSidecar(file: string): Promise<void> {
  await rm(sidecarPath(file), { force: true });
}
