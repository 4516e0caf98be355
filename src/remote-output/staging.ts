import { createHash } from 'node:crypto';
import { rmdirSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isProcessAlive } from '../util/stale-temps.js';

/**
 * Where an `s3://` output is written before its upload: a folder of this process in the temporary directory
 * (TMPDIR: give it room for the largest catalog, e.g. a Kubernetes emptyDir), one file per URL. The name is a
 * hash of the URL and the key's last segment made safe: a key's `..` or odd characters never reach the local
 * file system. Folders of processes that are gone (SIGKILL) are removed by the next run's first output.
 */
const PREFIX = 'stacflow-outputs-';
const FOLDER = path.join(os.tmpdir(), `${PREFIX}${process.pid}-${Date.now()}`);

export function stagingPathFor(url: string): string {
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 16);
  const last = url.slice(url.lastIndexOf('/') + 1).replace(/[^A-Za-z0-9._-]/g, '_').slice(-100);
  return path.join(FOLDER, `${hash}-${last}`);
}

let prepared: Promise<void> | undefined;

/** Makes this process's folder, once, after removing those of dead processes. */
export function prepareStaging(): Promise<void> {
  prepared ??= (async () => {
    await removeStaleStaging();
    await mkdir(FOLDER, { recursive: true, mode: 0o700 });
    // Empty once every output is uploaded; left (with its files) only by a process that did not finish them.
    process.once('exit', () => {
      try {
        rmdirSync(FOLDER);
      } catch {
        // not empty, or gone: the next run removes it
      }
    });
  })();
  return prepared;
}

/** Removes a staged file once uploaded (or failed). Never throws. */
export async function dropStaged(file: string): Promise<void> {
  await rm(file, { force: true }).catch(() => undefined);
}

async function removeStaleStaging(): Promise<void> {
  const names = await readdir(os.tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const match = new RegExp(`^${PREFIX}(\\d+)-\\d+$`).exec(name);
    if (!match || path.join(os.tmpdir(), name) === FOLDER) continue;
    const pid = Number(match[1]);
    // Same pid, another start time: an earlier process whose pid this one got (containers reuse small pids).
    if (pid !== process.pid && isProcessAlive(pid)) continue;
    await rm(path.join(os.tmpdir(), name), { recursive: true, force: true }).catch(() => undefined);
  }
}
