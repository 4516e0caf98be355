import type { StacItem } from '../entry.js';
import { expandTarget, filenameOf, parseTargetTemplate, templateProblems, type TargetTemplate } from '../download/target-path.js';
import { RCLONE_PATH, RcloneManifestError } from './errors.js';
import type { ManifestObject } from './objects.js';

/**
 * Where `rclone copy --files-from` puts an object, for the rclone_manifest step's `dest`:
 * - a folder (`data`): every object at `<dest>/<key>`, one copy per bucket, the tutorial's layout;
 * - the download step's `to` template (`data/{collection}/{id}/`): every object where `download` writes it,
 *   so running both never stores an image twice. rclone cannot rename, so the template must end with the
 *   file name (`/` or `/{filename}`). An object is copied from the bucket folder above the part its key shares
 *   with its local path: key `moon/…/uncontrolled/<ID>/<ID>.tif` to `data/<collection>/<ID>/<ID>.tif` is
 *   the line `<ID>/<ID>.tif` copied from `bucket/moon/…/uncontrolled` into `data/<collection>`, so one
 *   command serves each (bucket folder, local folder) pair: a collection, for the Kaguya layout.
 */
export interface Placement {
  /** Folder under the bucket the command copies from ('' = the bucket's root). */
  source: string;
  /** Local folder the command copies into. */
  dest: string;
  /** The object's path under both: its --files-from line. */
  line: string;
}

export type Placer = (object: ManifestObject, item: StacItem) => Placement;

/** Whether `dest` is a download-style template (it names a placeholder). */
export const isDestTemplate = (dest: string): boolean => /\{[^{}]*\}/.test(dest);

/** The problems of a `dest` for the options schema: a folder, or a template rclone can honour. */
export function destProblems(dest: string): string[] {
  if (!isDestTemplate(dest)) return [];
  const problems = templateProblems(dest).map((p) => p.replace(/`to`/g, '`dest`'));
  if (problems.length > 0) return problems;
  const { template } = parseTargetTemplate(dest);
  if (!template.endsWith('/{filename}') || template.indexOf('{filename}') !== template.length - '{filename}'.length) {
    problems.push('a `dest` template must end with / or /{filename}: rclone copy keeps each file\'s name (as `download`\'s `to: data/{collection}/{id}/` does)');
  }
  return problems;
}

/** The placement of each object for a `dest` already checked by `destProblems`. */
export function placer(dest: string): Placer {
  if (!isDestTemplate(dest)) return (object) => ({ source: '', dest, line: object.key });
  const target: TargetTemplate = parseTargetTemplate(dest);
  return (object, item) => {
    let local: string;
    try {
      const values = { collection: item.collection, id: item.id, asset: object.asset, filename: filenameOf(object.href, object.key) };
      local = expandTarget(target, values, { item: item.id, asset: object.asset, href: object.href }).path;
    } catch (err) {
      throw new RcloneManifestError(RCLONE_PATH, `asset ${object.asset}: no safe local path in \`dest\` (${dest}): ${(err as Error).message}`, { href: object.href });
    }
    return split(object.key.split('/'), local.split('/'));
  };
}

/** Key and local path cut where they stop sharing segments from the end (the file name at least). */
function split(key: string[], local: string[]): Placement {
  let shared = 0;
  while (shared < key.length && shared < local.length && key[key.length - 1 - shared] === local[local.length - 1 - shared]) shared += 1;
  // Nothing left of the local path: its folder is the working directory, or / for an absolute path.
  const folder = local.slice(0, local.length - shared).join('/') || (local[0] === '' ? '/' : '.');
  return { source: key.slice(0, key.length - shared).join('/'), dest: folder, line: key.slice(key.length - shared).join('/') };
}
