import { STAGES } from '../../operators/index.js';
import { loadPipeline } from '../config/load.js';
import type { LoadedPipeline } from '../engine/pipeline.js';
import type { Logger } from 'pino';
import { ConfigurationError, formatIssue } from '../errors.js';

/**
 * Loads a pipeline file for a command that runs or reads it (run, --schedule, status): the pipeline, or, when
 * the file is invalid, every located error printed on stderr and `undefined` (the command exits 2). `set`: the
 * `--set PATH=VALUE` arguments (src/config/overrides.ts), applied and validated with the file.
 */
export async function loadForRun(file: string, set: readonly string[] = [], json?: Logger): Promise<LoadedPipeline | undefined> {
  try {
    return await loadPipeline(file, STAGES, process.env, { set });
  } catch (err) {
    if (!(err instanceof ConfigurationError)) throw err;
    const count = `${err.issues.length} error${err.issues.length === 1 ? '' : 's'} in ${file}`;
    // `json`: a run off a TTY, whose stderr holds nothing but JSON lines (src/cli/progress/run-terminal.ts).
    if (json) {
      for (const issue of err.issues) json.error({ code: err.code, file: issue.file, line: issue.line, col: issue.col, path: issue.path }, formatIssue(issue));
      json.error({ code: err.code, errors: err.issues.length }, count);
    } else {
      process.stderr.write(`${err.message}\n${count}\n`);
    }
    return undefined;
  }
}
