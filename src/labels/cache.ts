import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from '../util/stale-temps.js';

/** A label as the cache keeps it: the decoded text and the ETag the server gave with it. */
export interface CachedLabel {
  readonly href: string;
  readonly etag: string;
  readonly text: string;
}

/**
 * The `fetch_label` cache (option `cache: DIR`): one JSON file per href, `<sha256(href)>.json` holding
 * `{ href, etag, text }`. A later run sends the ETag back (If-None-Match); a 304 serves the text from here,
 * so an unchanged label costs one bodiless round trip instead of a download. Labels without an ETag are not
 * kept (they could never be revalidated). A file that cannot be read or does not hold what it should is a
 * miss, never an error: the label is fetched again and the file rewritten. Files are written to a temporary
 * name and renamed, so concurrent runs and a crash mid-write leave either the old entry or the new one; the
 * temporary names of runs that died (kill -9) are removed the first time a later run writes to the cache.
 */
export class LabelCache {
  readonly dir: string;
  #ready: Promise<unknown> | undefined;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /** The cache file of `href`. */
  fileOf(href: string): string {
    return path.join(this.dir, `${createHash('sha256').update(href).digest('hex')}.json`);
  }

  /** The cached label of `href`, or undefined (never cached, unreadable, or cached for another href). */
  async get(href: string): Promise<CachedLabel | undefined> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.fileOf(href), 'utf8'));
    } catch {
      return undefined;
    }
    return isCachedLabel(parsed) && parsed.href === href ? parsed : undefined;
  }

  async put(label: CachedLabel): Promise<void> {
    this.#ready ??= mkdir(this.dir, { recursive: true }).then(() => removeDeadTemps(this.dir));
    await this.#ready;
    const file = this.fileOf(label.href);
    const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    // A new name of our own, never through a link planted there (O_EXCL | O_NOFOLLOW); rename replaces a link at
    // the final name instead of writing through it.
    await writeFile(tmp, JSON.stringify({ href: label.href, etag: label.etag, text: label.text }), {
      flag: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    });
    await rename(tmp, file);
  }
}

const TEMP_NAME = /^[0-9a-f]{64}\.json\.tmp-([1-9][0-9]{0,9})-[0-9a-z]*$/;

/** Removes the temporary files of processes that are gone; cleaning never fails a run. */
async function removeDeadTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(TEMP_NAME.exec(name)?.[1] ?? NaN);
    if (!Number.isSafeInteger(pid) || pid === process.pid || isProcessAlive(pid)) continue;
    await unlink(path.join(dir, name)).catch(() => undefined);
  }
}

function isCachedLabel(value: unknown): value is CachedLabel {
  if (value === null || typeof value !== 'object') return false;
  const { href, etag, text } = value as Record<string, unknown>;
  return typeof href === 'string' && typeof etag === 'string' && etag !== '' && typeof text === 'string';
}
