import { lstat, mkdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { makeFolderInside, pathProblem } from '../util/safe-fs.js';
import { unsafeStatePathError } from './errors.js';

/** The files SQLite keeps beside the database: the write-ahead log, its index, a rollback journal. */
export const COMPANION_SUFFIXES = ['-wal', '-shm', '-journal'] as const;

/**
 * Makes the state file's folder and checks its place, before SQLite opens it (SQLite follows links, and
 * offers no O_NOFOLLOW through better-sqlite3):
 * - under `root` (the pipeline's folder), every folder on the way must be a real folder that resolves
 *   inside the root: a link there leaving the pipeline's folder is refused (util/safe-fs makeFolderInside);
 *   a state path outside the root is the user's explicit choice, and its folders are only created;
 * - the file itself and its companions (`-wal`, `-shm`, `-journal`) must not be symbolic links, nor anything
 *   but regular files (lstat). A link planted between this check and SQLite's open is not caught: the
 *   check keeps honest mistakes and leftovers out, as util/safe-fs does for folders.
 * Returns the absolute path, and whether the database file existed.
 */
export async function prepareStatePath(file: string, root?: string): Promise<{ file: string; existed: boolean }> {
  const absolute = path.resolve(file);
  const folder = path.dirname(absolute);
  try {
    const relative = root === undefined ? '..' : path.relative(path.resolve(root), folder);
    if (relative.startsWith('..') || path.isAbsolute(relative)) await mkdir(folder, { recursive: true });
    else await makeFolderInside(root!, folder);
  } catch (err) {
    throw unsafeStatePathError(absolute, `its folder cannot be used: ${pathProblem(err)}`, err);
  }
  let existed = false;
  for (const suffix of ['', ...COMPANION_SUFFIXES]) {
    const at = absolute + suffix;
    const info = await lstat(at).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw unsafeStatePathError(absolute, `${at} cannot be examined: ${err.message}`, err);
    });
    if (info === undefined) continue;
    if (info.isSymbolicLink()) {
      const target = await readlink(at).catch(() => '?');
      throw unsafeStatePathError(absolute, `${at} is a symbolic link (to ${target}), which stacflow does not follow for its state; give the real path`);
    }
    if (!info.isFile()) throw unsafeStatePathError(absolute, `${at} is not a regular file`);
    if (suffix === '') existed = true;
  }
  return { file: absolute, existed };
}
