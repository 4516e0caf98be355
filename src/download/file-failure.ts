import { errorMessage } from '../errors.js';
import { isPathProblem, pathProblem } from '../util/safe-fs.js';
import { DownloadError } from './errors.js';

/**
 * A local file operation of a download that failed, as the entry's failure: ERR_DOWNLOAD_PATH when the path
 * itself cannot be used (a link stacflow does not follow, a folder leading out of the root, a name too long
 * for the file system: retrying cannot help, the data or the folder must change), ERR_DOWNLOAD_WRITE when the
 * file system refused (disk full, permissions). Both name the file and what was being done.
 */
export function localFileFailure(err: unknown, file: string, doing: string, where: { href?: string; asset?: string; owner?: string } = {}): DownloadError {
  if (err instanceof DownloadError) return err;
  const prefix = where.owner !== undefined ? `${where.owner}: ` : '';
  const options = { href: where.href, asset: where.asset, cause: err };
  if (isPathProblem(err)) {
    const advice = (err as NodeJS.ErrnoException).code === 'ENAMETOOLONG' ? 'choose a `to` that gives shorter paths' : 'remove what is in the way, or choose another `to`';
    return new DownloadError('ERR_DOWNLOAD_PATH', `${prefix}cannot ${doing} ${file}: ${pathProblem(err)}; nothing was written through it — ${advice}`, options);
  }
  return new DownloadError('ERR_DOWNLOAD_WRITE', `${prefix}cannot ${doing} ${file}: ${errorMessage(err)}`, options);
}
