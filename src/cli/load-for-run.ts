import { STAGES } from '../../operators/index.js';
import { loadPipeline } from '../config/load.js';
import type { LoadedPipeline } from '../engine/pipeline.js';
import { ConfigurationError } from '../errors.js';

/**
 * Loads a pipeline file for a command that runs or reads it (run, --schedule, status): the pipeline, or, when
 * the file is invalid, every located error printed on stderr and `undefined` (the command exits 2). `set`: the
 * `--set PATH=VALUE` arguments (src/config/overrides.ts), applied and validated with the file.
 */
export async function loadForRun(file: string, set: readonly string[] = []): Promise<LoadedPipeline | undefined> {
  try {
    return await loadPipeline(file, STAGES, process.env, { set });
  } catch (err) {
    if (!(err instanceof ConfigurationError)) throw err;
    process.stderr.write(`${err.message}\n${err.issues.length} error${err.issues.length === 1 ? '' : 's'} in ${file}\n`);
    return undefined;
  }
}
