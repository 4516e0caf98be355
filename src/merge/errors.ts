import { StacflowError } from '../errors.js';
import { EXIT } from '../exit-codes.js';

/**
 * Why a merge cannot be done, with the exit code it ends with: 2 when it was asked wrongly (shards of another
 * pipeline, another number of shards, a different search: `ERR_MERGE_MISMATCH`, `ERR_USAGE`), 1 when the
 * shards are not all there or a shard file cannot be read (`ERR_MERGE_SHARDS`, `ERR_MERGE_INPUT`).
 */
export class MergeError extends StacflowError {
  readonly exitCode: number;

  constructor(code: 'ERR_MERGE_MISMATCH' | 'ERR_USAGE' | 'ERR_MERGE_SHARDS' | 'ERR_MERGE_INPUT', message: string, options: { cause?: unknown } = {}) {
    super(code, message, { cause: options.cause, errorClass: 'fatal' });
    this.exitCode = code === 'ERR_MERGE_MISMATCH' || code === 'ERR_USAGE' ? EXIT.invalid : EXIT.aborted;
  }
}
