import { StacflowError } from '../errors.js';

/**
 * The state file cannot be used: it is not a stacflow state, was written by a newer stacflow, sits behind a
 * symbolic link, or the disk refused a read or a write. Always run-fatal (exit 1): a run that cannot trust
 * its state would redo or skip the wrong items. `file` names the state file.
 */
export class StateError extends StacflowError {
  constructor(
    code: string,
    readonly file: string,
    message: string,
    cause?: unknown,
  ) {
    super(code, `state ${file}: ${message}`, { cause, errorClass: 'fatal' });
  }
}

export const notStateError = (file: string, why: string, cause?: unknown): StateError =>
  new StateError('ERR_STATE_NOT_STATE', file, `is not a stacflow state (${why}); point \`state:\` at a new file, or move this one away`, cause);

export const newerStateError = (file: string, version: number, known: number): StateError =>
  new StateError('ERR_STATE_TOO_NEW', file, `was written by a newer stacflow (schema version ${version}; this one reads up to ${known}): upgrade stacflow, or point \`state:\` at a new file`);

export const unsafeStatePathError = (file: string, why: string, cause?: unknown): StateError =>
  new StateError('ERR_STATE_UNSAFE_PATH', file, why, cause);

/** The message of `err`, read by shape: better-sqlite3's errors may come from another realm (jest's VM modules), no `instanceof Error` here. */
const messageOf = (err: unknown): string => {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
};

/** A read or write of the state failed (disk full, read-only, locked past the busy timeout, corrupt). */
export const stateIoError = (file: string, doing: string, cause: unknown): StateError =>
  new StateError('ERR_STATE_IO', file, `cannot ${doing}: ${messageOf(cause)} (check that the disk has room and the file is writable; \`stacflow status\` shows who holds the state)`, cause);
