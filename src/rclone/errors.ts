import { EntryError } from '../errors.js';

/** Stable codes of the entries rclone_manifest fails (each fails that entry only; the run goes on). */
export const RCLONE_NO_ASSET = 'ERR_RCLONE_NO_ASSET';
export const RCLONE_NOT_S3 = 'ERR_RCLONE_NOT_S3';
export const RCLONE_KEY = 'ERR_RCLONE_KEY';
export const RCLONE_BUCKET = 'ERR_RCLONE_BUCKET';
export const RCLONE_VERSION = 'ERR_RCLONE_VERSION';
export const RCLONE_PATH = 'ERR_RCLONE_PATH';

/** An entry whose assets cannot go into an rclone list: the message names the asset and href and says what to do. */
export class RcloneManifestError extends EntryError {}
