import type { ConfiguredStage, LoadedPipeline } from '../engine/pipeline.js';
import { defaultReportPath } from '../engine/report.js';
import type { Stage } from '../engine/stage.js';
import { shardPath, type ShardSpec } from './shard-spec.js';

/**
 * The pipeline a shard runs: every file it writes gets the shard's tag (shardPath), so that the N shards of a
 * run, on one shared filesystem or S3 prefix, never write the same file: the state (`state:`), the report
 * (`report:`, or the default one beside the first output, `<name>.report.json`), and each option a
 * stage declares it writes (Stage.writesFiles: the outputs' and rclone_manifest's `path`). Nothing else
 * changes: the search, the steps, the downloads (per item, disjoint across shards: shared as they are).
 */
export function shardFiles(pipeline: LoadedPipeline, spec: Pick<ShardSpec, 'index' | 'count'>): LoadedPipeline {
  return Object.freeze({
    ...pipeline,
    ...(pipeline.state !== undefined ? { state: shardPath(pipeline.state, spec) } : {}),
    // The default report is named after the pipeline, not the outputs: named here, then tagged.
    report: shardPath(pipeline.report ?? defaultReportPath(pipeline), spec),
    source: shardStage(pipeline.source, spec),
    steps: Object.freeze(pipeline.steps.map((step) => shardStage(step, spec))),
    outputs: Object.freeze(pipeline.outputs.map((output) => shardStage(output, spec))),
  });
}

/** The files a stage declares it writes, each as its shard names it; a stage that writes none is kept as is. */
function shardStage<S extends Stage>(configured: ConfiguredStage<S>, spec: Pick<ShardSpec, 'index' | 'count'>): ConfiguredStage<S> {
  const declared = configured.stage.writesFiles ?? [];
  const options = configured.options as Record<string, unknown> | undefined;
  if (declared.length === 0 || options === undefined || options === null) return configured;
  const changed: Record<string, unknown> = { ...options };
  for (const key of declared) {
    const value = options[key];
    if (typeof value === 'string') changed[key] = shardPath(value, spec);
  }
  return Object.freeze({ ...configured, options: Object.freeze(changed) });
}
