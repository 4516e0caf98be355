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

/** A file the run writes (a catalog, an rclone list) cannot be written: its result would be incomplete, so the run ends. */
export function outputWriteError(path: string, cause: unknown): RunAbortedError {
  return new RunAbortedError(
    'ERR_OUTPUT_WRITE',
    `cannot write ${path}: ${errorMessage(cause)} (check that the directory is writable and the disk has room, or change the output path)`,
    cause,
  );
}
