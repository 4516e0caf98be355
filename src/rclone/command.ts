import { packagePath } from '../package-root.js';

/** The anonymous remote of the package's config/rclone.conf (the USGS tutorial's name for it). */
export const DEFAULT_REMOTE = 's3_noauth';
/** The region written in config/rclone.conf for DEFAULT_REMOTE. */
export const DEFAULT_REMOTE_REGION = 'us-west-2';
/** config/rclone.conf of this package, by absolute path (the commands name it with --config). */
export const RCLONE_CONFIG: string = packagePath('config', 'rclone.conf');
/** Parallel transfers in the printed commands. */
export const RCLONE_TRANSFERS = 16;

export interface CopyCommandOptions {
  remote: string;
  bucket: string;
  /** Folder under the bucket the list's paths are relative to (default: the bucket's root). */
  source?: string;
  /** The --files-from list (paths relative to `source`). */
  list: string;
  dest: string;
  /** The bucket's region when known (from its hrefs, else the pipeline's `s3.region`). */
  region?: string;
  /** The pipeline's `s3.endpoint`: an S3-compatible server (the sandbox, MinIO) instead of AWS. */
  endpoint?: string;
  /** Default: RCLONE_CONFIG. */
  config?: string;
}

/**
 * The argv of `rclone copy` for one bucket's list:
 * `rclone copy --config <config/rclone.conf> --files-from <list> s3_noauth:<bucket>[/<source>] <dest> --transfers 16`.
 *
 * - `--config` only for the packaged remote (`s3_noauth`); another remote name is the user's own, read from
 *   their rclone config.
 * - A bucket outside the packaged remote's region (us-west-2) gets `--s3-region <region>`: AWS answers a
 *   request sent to another region's endpoint with a 301 PermanentRedirect.
 * - `--no-traverse` always: rclone then HEADs each listed key instead of listing the folders that hold them.
 *   A Kaguya `uncontrolled/` folder holds every item of its collection, so listing it costs more than the
 *   objects; and a server that cannot list (s3rver's delimiter listing is incomplete, a plain web server
 *   refuses it) would copy nothing. Checked with rclone 1.60 against the sandbox and against nginx.
 * - With `endpoint`: `--s3-provider Other --s3-endpoint <url>` (provider AWS would send virtual-hosted
 *   requests to `<bucket>.<host>`).
 */
export function rcloneCopyArgv(options: CopyCommandOptions): string[] {
  const packaged = options.remote === DEFAULT_REMOTE;
  const argv = ['rclone', 'copy'];
  if (packaged) argv.push('--config', options.config ?? RCLONE_CONFIG);
  argv.push('--files-from', options.list, `${options.remote}:${options.bucket}${options.source ? `/${options.source}` : ''}`, options.dest, '--transfers', String(RCLONE_TRANSFERS), '--no-traverse');
  if (options.endpoint) argv.push('--s3-provider', 'Other', '--s3-endpoint', options.endpoint);
  else if (packaged && options.region && options.region !== DEFAULT_REMOTE_REGION) argv.push('--s3-region', options.region);
  return argv;
}

// Characters a POSIX shell takes literally in a word.
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `arg` as one word for a POSIX shell (sh, bash, zsh): as is when safe, else in single quotes. */
export function shellQuote(arg: string): string {
  if (SHELL_SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A copy-pasteable shell line running `argv`. */
export const shellLine = (argv: readonly string[]): string => argv.map(shellQuote).join(' ');
