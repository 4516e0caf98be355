import type { ErrorClass } from './entry.js';

/**
 * Base of every error stacflow raises on purpose. `code` is stable (tests and scripts match on it);
 * `errorClass` says what the run does with it: retry, fail the item, or end the run.
 */
export class StacflowError extends Error {
  readonly code: string;
  readonly errorClass: ErrorClass;

  constructor(code: string, message: string, options: { cause?: unknown; errorClass?: ErrorClass } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.errorClass = options.errorClass ?? 'item';
  }
}

/** An error a stage raises for one entry: it becomes a Failure on that entry, and the run goes on. */
export class EntryError extends StacflowError {
  readonly href?: string;
  readonly status?: number;

  constructor(code: string, message: string, options: { href?: string; status?: number; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause, errorClass: 'item' });
    this.href = options.href;
    this.status = options.status;
  }
}

/** A location in a pipeline file, for messages such as `kaguya.yaml:12:5 steps[2].filter: ...`. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
  /** YAML path such as `steps[2].fetch_label.concurrency`. */
  path: string;
}

export interface ConfigIssue extends SourceLocation {
  message: string;
}

/** The pipeline file (or the command line) is invalid: exit code 2. Carries every issue found, not just the first. */
export class ConfigurationError extends StacflowError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super('ERR_CONFIG', issues.map(formatIssue).join('\n'), { errorClass: 'fatal' });
    this.issues = issues;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.col}` : issue.file;
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Something that ends the run (API unreachable after retries, output not writable): exit code 1. */
export class RunAbortedError extends StacflowError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { cause, errorClass: 'fatal' });
  }
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * What the run does with an error, read from one place (as rclone's `fserrors`): `retryable` (the layer that
 * retries tries again; once its attempts are spent, the item fails), `item` (that item fails, the run goes
 * on), `fatal` (the run ends, exit 1), `bug` (stacflow is wrong: the run ends, exit 1, with the stack).
 */
export type ErrorDisposition = ErrorClass | 'bug';

/** Errors JavaScript raises for code that is wrong, not for data that is: a bug, never an item's failure. */
const BUG_TYPES: ReadonlyArray<abstract new (...args: never[]) => Error> = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError];

/** System errors after which nothing the run writes can succeed: the disk is full or read-only, no memory. */
const FATAL_SYSTEM_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'ENOMEM']);

/** Network errors worth another attempt (the retry layers of src/http, src/s3 and src/download decide how). */
const RETRYABLE_SYSTEM_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * The class of any error: a StacflowError says its own; an abort (the run was cancelled or failed) is
 * fatal; a Node error with a `code` is retryable (network), fatal (disk full) or an item failure, except
 * Node's argument checks (`ERR_INVALID_ARG_*`: a bug); an uncoded TypeError, RangeError, ReferenceError,
 * SyntaxError or EvalError, or a thrown non-Error, is a bug; anything else fails its item.
 */
export function errorClass(err: unknown): ErrorDisposition {
  if (err instanceof StacflowError) return err.errorClass;
  // (By name: a DOMException from another realm is no `instanceof Error` there.)
  if ((err as { name?: unknown } | null)?.name === 'AbortError') return 'fatal';
  if (!(err instanceof Error)) return 'bug';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('ERR_INVALID_ARG_')) return 'bug';
    if (code === 'ABORT_ERR') return 'fatal';
    if (FATAL_SYSTEM_CODES.has(code)) return 'fatal';
    if (RETRYABLE_SYSTEM_CODES.has(code)) return 'retryable';
    return 'item';
  }
  return BUG_TYPES.some((type) => err instanceof type) ? 'bug' : 'item';
}

/** The code a report shows for `err`: its own, `ERR_BUG` for a bug, `ERR_UNEXPECTED` otherwise (the message keeps a system code). */
export function errorCode(err: unknown): string {
  if (err instanceof StacflowError) return err.code;
  return errorClass(err) === 'bug' ? 'ERR_BUG' : 'ERR_UNEXPECTED';
}

/** A file the run writes (a catalog, an rclone list) cannot be written: its result would be incomplete, so the run ends. */
export function outputWriteError(path: string, cause: unknown): RunAbortedError {
  return new RunAbortedError(
    'ERR_OUTPUT_WRITE',
    `cannot write ${path}: ${errorMessage(cause)} (check that the directory is writable and the disk has room, or change the output path)`,
    cause,
  );
}
