import { EntryError } from '../errors.js';

/**
 * Why a label could not be read, as a failure of its item (the run goes on). Codes:
 * - `ERR_LABEL_NO_ASSET`    the item has no such asset (`required: true`)
 * - `ERR_LABEL_HTTP`        the server answered an HTTP error (status set) after retries
 * - `ERR_LABEL_UNREACHABLE` no answer at all (connection refused, timeout) after retries
 * S3 errors keep the S3 client's code (`ERR_S3_NOT_FOUND` for NoSuchKey, `ERR_S3_ACCESS_DENIED`...), and a label
 * that is not PVL the parser's (`ERR_PVL_SYNTAX`, with href:line:col in its message).
 */
export class LabelError extends EntryError {}

export const LABEL_NO_ASSET = 'ERR_LABEL_NO_ASSET';
export const LABEL_HTTP = 'ERR_LABEL_HTTP';
export const LABEL_UNREACHABLE = 'ERR_LABEL_UNREACHABLE';
