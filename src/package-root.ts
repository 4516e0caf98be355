import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding stacflow's package.json, found by walking up from this module: the same answer
 * whether the sources run through tsx (src/) or compiled (dist/src/). Data shipped with the package
 * (sandbox data, config/) is read relative to it.
 */
function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'dist') {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`stacflow: package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT: string = findPackageRoot();

/** A path inside the package (`packagePath('config', 'pipeline.schema.json')`). */
export const packagePath = (...parts: string[]): string => path.join(PACKAGE_ROOT, ...parts);
