import type { FileHandle } from 'node:fs/promises';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { assertRealFolder, createExclusive, makeFolderInside, openExistingNoFollow, regularFileSize } from '../util/safe-fs.js';
import type { LocalState } from './decide.js';
import { localFileFailure } from './file-failure.js';
import { readSidecar, sidecarTempPath } from './sidecar.js';
import { withSyncSlot } from './sync-slots.js';
import type { TargetPath } from './target-path.js';

/**
 * The file operations of a download: what is on disk, the folder made under the download root, the `.part`
 * opened, and the durable rename of a finished `.part`.
 *
 * Links are never followed (src/util/safe-fs.ts). Every folder between the `to` root and the file must be a
 * real folder that resolves inside the root: a folder link under `data/` fails the asset with
 * ERR_DOWNLOAD_PATH before anything is written. A link at one of the download's own names — the file, its
 * `.part`, its sidecar or the sidecar's `.tmp` — is never read or written through: it counts as no file, and
 * is replaced (the link removed or renamed over; its target is left as it was). Node has no openat(2), so
 * folders are checked by path, not held open: every folder from the root down at each attempt (before its
 * first write), and the file's own folder again before each create and rename. A folder swapped for a link
 * between those checks by someone writing in the tree at the same time is not caught.
 */

export const partPathOf = (file: string): string => `${file}.part`;

/** The final file, its `.part` and its sidecar, as they are now (a link at any of them counts as none). */
export async function readLocalState(file: string): Promise<LocalState> {
  const [finalSize, partSize, sidecar] = await Promise.all([regularFileSize(file), regularFileSize(partPathOf(file)), readSidecar(file)]);
  // A sidecar's `.tmp` is only left by a killed run (one writer per file in a run): it goes now, so that an
  // asset skipped from now on does not keep it forever.
  await rm(sidecarTempPath(file), { force: true }).catch(() => undefined);
  return {
    ...(finalSize !== undefined ? { final: { size: finalSize } } : {}),
    ...(partSize !== undefined ? { part: { size: partSize } } : {}),
    ...(sidecar ? { sidecar } : {}),
  };
}

/**
 * Makes the folder of `target` under its root, checking every folder on the way (safe-fs.ts
 * makeFolderInside). Throws ERR_DOWNLOAD_PATH naming the item, the asset and the folder that is a link,
 * not a folder, or outside the root; ERR_DOWNLOAD_WRITE when the file system refuses.
 */
export async function makeTargetFolder(target: TargetPath, job: { item: string; asset: string; href: string }): Promise<void> {
  const folder = path.dirname(target.absolute);
  try {
    await makeFolderInside(target.root, folder);
  } catch (err) {
    throw localFileFailure(err, path.dirname(target.path) || '.', 'create the folder', { owner: `item ${job.item}, asset ${job.asset}`, href: job.href, asset: job.asset });
  }
}

/**
 * Opens `<file>.part` for writing: an existing one to resume (read-write, refused if it is a link), or a new
 * one (anything left at that name — a link included — unlinked, then created with O_CREAT | O_EXCL |
 * O_NOFOLLOW). Throws ERR_DOWNLOAD_PATH or ERR_DOWNLOAD_WRITE naming the `.part`.
 */
export async function openPart(partPath: string, resume: boolean): Promise<FileHandle> {
  try {
    await assertRealFolder(path.dirname(partPath));
    return resume ? await openExistingNoFollow(partPath) : await createExclusive(partPath);
  } catch (err) {
    throw localFileFailure(err, partPath, resume ? 'reopen' : 'create');
  }
}

/**
 * Makes a verified `.part` the file, durably: its data synced, renamed over the final name (atomic: a
 * reader sees the old file or the new one; a link at the final name is replaced, its target untouched), the
 * folder synced so the rename itself survives a crash.
 */
export async function commitPart(file: string): Promise<void> {
  const part = partPathOf(file);
  try {
    await assertRealFolder(path.dirname(file));
    const handle = await openExistingNoFollow(part);
    try {
      await withSyncSlot(() => handle.sync());
    } finally {
      await handle.close();
    }
    await rename(part, file);
  } catch (err) {
    throw localFileFailure(err, file, 'move the finished .part to');
  }
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
