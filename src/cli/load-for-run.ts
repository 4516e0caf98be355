import { STAGES } from '../../operators/index.js';
import { loadPipeline } from '../config/load.js';
import type { LoadedPipeline } from '../engine/pipeline.js';
import { ConfigurationError } from '../errors.js';

/**
 * Loads a pipeline file for a command that runs or reads it (run, --schedule, status): the pipeline, or, when
 * the file is invalid, every located error printed on stderr and `undefined` (the command exits 2).
 */
export async function loadForRun(file: string): Promise<LoadedPipeline | undefined> {
  try {
    return await loadPipeline(file, STAGES, process.env);
  } catch (err) {
    if (!(err instanceof ConfigurationError)) throw err;
    process.stderr.write(`${err.message}\n${err.issues.length} error${err.issues.length === 1 ? '' : 's'} in ${file}\n`);
    return undefined;
  }
}
