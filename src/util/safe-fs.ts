import { constants } from 'node:fs';
import { lstat, mkdir, open, readlink, realpath, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * File operations that never follow a symbolic link planted where stacflow writes, and folders that never
 * lead out of their root. Node has no openat(2): a folder is checked (lstat + realpath) before it is used,
 * and every file stacflow creates or rewrites is opened with O_NOFOLLOW, so a link at a file's own name is
 * refused (or, for stacflow's own temporary names, removed — the link, never its target).
 */

const { O_WRONLY, O_RDWR, O_RDONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/** A path stacflow will not write through: a link, something that is not a folder, or a way out of the root. */
export class UnsafePathError extends Error {
  readonly code = 'ERR_UNSAFE_PATH';

  constructor(readonly path: string, reason: string) {
    super(`${path} ${reason}`);
    this.name = 'UnsafePathError';
  }
}

/**
 * True for the errors that mean "this path cannot be used as it is" rather than "the disk refused": a link
 * refused by O_NOFOLLOW (ELOOP; EMLINK on the BSDs), a name too long for the file system, a file where a
 * folder should be, or an UnsafePathError.
 */
export function isPathProblem(err: unknown): boolean {
  if (err instanceof UnsafePathError) return true;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ELOOP' || code === 'EMLINK' || code === 'ENAMETOOLONG' || code === 'ENOTDIR';
}

/** Why a path could not be used, in words (for messages). */
export function pathProblem(err: unknown): string {
  if (err instanceof UnsafePathError) return err.message;
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ELOOP':
    case 'EMLINK':
      return `${e.path ?? 'the path'} is a symbolic link, which stacflow does not follow`;
    case 'ENAMETOOLONG':
      return `${e.path ?? 'the path'} is too long for the file system (ENAMETOOLONG)`;
    case 'ENOTDIR':
      return `a part of ${e.path ?? 'the path'} is a file, not a folder (ENOTDIR)`;
    default:
      return e.message;
  }
}

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';

async function describeLink(at: string): Promise<string> {
  const target = await readlink(at).catch(() => undefined);
  return target === undefined ? 'is a symbolic link' : `is a symbolic link (to ${target})`;
}

/** Throws unless `folder` is a folder itself (not a link to one). */
export async function assertRealFolder(folder: string): Promise<void> {
  const info = await lstat(folder);
  if (info.isSymbolicLink()) throw new UnsafePathError(folder, `${await describeLink(folder)}; stacflow does not write through links`);
  if (!info.isDirectory()) throw new UnsafePathError(folder, 'is not a folder');
}

const inside = (child: string, parent: string): boolean =>
  child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : `${parent}${path.sep}`);

/**
 * Makes `folder` (and the folders on the way) under `root`, and checks every folder between them: each must
 * be a real folder (lstat: not a symbolic link, not a file), created here one at a time when missing, and
 * the result must resolve (realpath) inside the root's own real path. The root itself is the user's choice
 * (it may be a link, e.g. `data -> /mnt/big`); it is created when missing. Throws UnsafePathError naming the
 * first folder that is not safe, or the file system's error.
 */
export async function makeFolderInside(root: string, folder: string): Promise<void> {
  const rootPath = path.resolve(root);
  const folderPath = path.resolve(folder);
  const relative = path.relative(rootPath, folderPath);
  if (relative.startsWith('..') || path.isAbsolute(relative)) throw new UnsafePathError(folderPath, `is outside the root ${rootPath}`);
  await mkdir(rootPath, { recursive: true });
  const realRoot = await realpath(rootPath);
  let here = rootPath;
  for (const segment of relative.split(path.sep).filter((s) => s !== '')) {
    here = path.join(here, segment);
    try {
      await mkdir(here);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // mkdir never follows a link at `here` (EEXIST), so what is there now is checked as it is.
    await assertRealFolder(here);
  }
  const real = await realpath(folderPath);
  if (!inside(real, realRoot)) throw new UnsafePathError(folderPath, `resolves to ${real}, outside the root ${realRoot}`);
}

/**
 * Creates `file` for writing, new (O_CREAT | O_EXCL | O_NOFOLLOW). For stacflow's own temporary names: what
 * is already there (a leftover of a killed run, or a planted link) is unlinked first — a link is removed,
 * its target never opened — and the create is tried once more; a second clash is an error.
 */
export async function createExclusive(file: string, mode = 0o666): Promise<FileHandle> {
  const flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
  try {
    return await open(file, flags, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  await unlink(file).catch((err: unknown) => {
    if (!isMissing(err)) throw err;
  });
  return open(file, flags, mode);
}

/** Opens an existing file to read and write, refusing a link at its name (ELOOP). */
export function openExistingNoFollow(file: string): Promise<FileHandle> {
  return open(file, O_RDWR | O_NOFOLLOW);
}

/**
 * Reads a small file as text, refusing a link at its name; undefined when it is missing, a link, not a
 * regular file, or larger than `maxBytes` (a planted huge file is not read into memory).
 */
export async function readSmallFileNoFollow(file: string, maxBytes: number): Promise<string | undefined> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, O_RDONLY | O_NOFOLLOW);
    const info = await handle.stat();
    if (!info.isFile() || info.size > maxBytes) return undefined;
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) return undefined;
    }
    return buffer.toString('utf8', 0, length);
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/** The size of a regular file at `file` (not followed when it is a link), or undefined. */
export async function regularFileSize(file: string): Promise<number | undefined> {
  try {
    const info = await lstat(file);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}
