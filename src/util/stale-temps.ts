import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Temporary outputs of killed runs. stacflow writes an output to `<path>.tmp-<pid>` and renames it at the
 * end; a run killed with SIGKILL leaves that file behind. The next run writing the same output removes the
 * ones whose process is gone, and leaves those of a run still alive (another stacflow writing there now).
 */

/** True while a process with that id exists (EPERM: it exists, but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

const MAX_PID = 2 ** 31 - 1;

/**
 * Removes `<file>.tmp-<pid>` beside `file` for every pid that is not this process and not alive. Returns the
 * names removed. A folder that cannot be listed (missing, unreadable) removes nothing; an unlink that fails
 * is skipped (the file stays for a later run): cleaning up never stops a run.
 */
export async function removeStaleTemps(file: string): Promise<string[]> {
  const folder = path.dirname(file);
  const prefix = `${path.basename(file)}.tmp-`;
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const digits = name.slice(prefix.length);
    if (!/^[1-9][0-9]{0,9}$/.test(digits)) continue;
    const pid = Number(digits);
    if (pid > MAX_PID || pid === process.pid || isProcessAlive(pid)) continue;
    // unlink: a link planted under that name goes, its target is not touched.
    const ok = await unlink(path.join(folder, name)).then(() => true, () => false);
    if (ok) removed.push(name);
  }
  return removed;
}
