import { pipelineFingerprint } from '../engine/fingerprint.js';
import type { LoadedPipeline } from '../engine/pipeline.js';
import { hashSelection, type ShardSelection } from './selection.js';
import { shardFiles } from './shard-files.js';
import { shardFrom, shardPath, ShardUsageError, type ShardSpec } from './shard-spec.js';

/** The shard options of `run-pipeline`, `stacflow run` and `stacflow status`. */
export interface ShardArgs {
  /** `--shard I/N`. */
  shard?: string;
  /** `--shards N`: the index from JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX. */
  shards?: number;
  /** `--plan FILE`: datetime windows made by `stacflow plan` (src/shard/plan-file.ts) instead of the hash. */
  plan?: string;
  /** `--report PATH`: a shard's report takes its tag there too (every shard of a job gets the same arguments). */
  report?: string;
}

/** What a sharded run runs: the pipeline with its shard's files (and window), the selection, the report path. */
export interface ShardedRun {
  readonly pipeline: LoadedPipeline;
  readonly selection: ShardSelection;
  readonly report?: string;
}

/**
 * The shard this process is, checked before anything is loaded or run (a bad flag or index: exit 2), or
 * undefined for a run that is not sharded. `--plan` without a shard is refused: a plan names N windows.
 */
export function shardSpecOf(args: ShardArgs, env: NodeJS.ProcessEnv = process.env): ShardSpec | undefined {
  const spec = shardFrom(args, env);
  if (spec === undefined && args.plan !== undefined) throw new ShardUsageError(`--plan ${args.plan}: say which shard this process is: --shard I/N, or --shards N with JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX set`);
  return spec;
}

/**
 * The run of shard `spec` of `pipeline`: by hash of `collection/id` (the default), or by the datetime window
 * of a plan file (`--plan`); every file it writes named with the shard's tag (shard-files.ts).
 */
export async function shardedRun(pipeline: LoadedPipeline, spec: ShardSpec, args: ShardArgs): Promise<ShardedRun> {
  let selection: ShardSelection = hashSelection(spec);
  let planned = pipeline;
  if (args.plan !== undefined) {
    ({ pipeline: planned, selection } = await loadPlan(args.plan, pipeline, spec));
  }
  return {
    pipeline: shardFiles(planned, spec),
    selection: { ...selection, pipeline: pipelineFingerprint(pipeline) },
    ...(args.report !== undefined ? { report: shardPath(args.report, spec) } : {}),
  };
}

/** The plan file's module (src/shard/plan-file.ts: zod, the window arithmetic), loaded only for `--plan`. */
async function loadPlan(file: string, pipeline: LoadedPipeline, spec: ShardSpec): Promise<{ pipeline: LoadedPipeline; selection: ShardSelection }> {
  const { loadShardPlan } = await import('./plan-file.js');
  return loadShardPlan(file, pipeline, spec);
}
