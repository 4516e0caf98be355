import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LocalState } from './decide.js';
import { readSidecar } from './sidecar.js';
import { withSyncSlot } from './sync-slots.js';

/** The file operations of a download: what is on disk, and the durable rename of a finished `.part`. */

export const partPathOf = (file: string): string => `${file}.part`;

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

/** The final file, its `.part` and its sidecar, as they are now. */
export async function readLocalState(file: string): Promise<LocalState> {
  const [finalSize, partSize, sidecar] = await Promise.all([sizeOf(file), sizeOf(partPathOf(file)), readSidecar(file)]);
  return {
    ...(finalSize !== undefined ? { final: { size: finalSize } } : {}),
    ...(partSize !== undefined ? { part: { size: partSize } } : {}),
    ...(sidecar ? { sidecar } : {}),
  };
}

/**
 * Makes a verified `.part` the file, durably: its data synced, renamed over the final name (atomic: a
 * reader sees the old file or the new one), the folder synced so the rename itself survives a crash.
 */
export async function commitPart(file: string): Promise<void> {
  const part = partPathOf(file);
  const handle = await open(part, 'r+');
  try {
    await withSyncSlot(() => handle.sync());
  } finally {
    await handle.close();
  }
  await rename(part, file);
  await syncFolder(path.dirname(file));
}

async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
    const opened = handle;
    await withSyncSlot(() => opened.sync());
  } catch {
    // Some file systems (and platforms) cannot sync a folder; the rename is done all the same.
  } finally {
    await handle?.close();
  }
}
