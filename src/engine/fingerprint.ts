import { createHash } from 'node:crypto';
import type { LoadedPipeline } from './pipeline.js';

/**
 * What decides which items a pipeline works on and what it does to them: the source and the steps as configured
 * (outputs may change freely). The state's memory is valid while it stays the same; the shards of one sharded
 * run, and the pipeline `stacflow merge` is given, must have the same one (taken before a shard's own file names).
 */
export function pipelineFingerprint(plan: Pick<LoadedPipeline, 'source' | 'steps'>): string {
  const described = [plan.source, ...plan.steps].map(({ stage, options }) => [stage.name, options]);
  return createHash('sha256').update(JSON.stringify(described)).digest('hex').slice(0, 32);
}
