import { resolveOutputPath } from '../remote-output/output-url.js';
import type { LoadedPipeline } from '../engine/pipeline.js';
import type { OutputResult } from '../engine/stage.js';
import type { ShardFile } from './shard-inputs.js';

/** A file the pipeline writes that the merge rebuilds from the shards' own copies of it. */
export interface MergeTarget {
  /** The stage's label (`csv`, `geoparquet#2`, `rclone_manifest`): the key of its result in the report. */
  readonly label: string;
  /** The stage's name: which merger rebuilds it. */
  readonly kind: 'csv' | 'ndjson' | 'geojson' | 'geoparquet' | 'rclone_manifest';
  /** The pipeline's own (unsharded) path, absolute: where the merged file goes. */
  readonly path: string;
  /** As written in the pipeline (a shard's file is this with the shard tag, src/shard/shard-spec.ts). */
  readonly written: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/** One shard's copy of a target, opened through src/merge/shard-inputs.ts, with what its report said of it. */
export interface MergeInput {
  readonly index: number;
  readonly tag: string;
  readonly file: ShardFile;
  /** The shard's result for this stage (rows; the rclone lists), when its report has one. */
  readonly result?: OutputResult;
}

/** A merge whose inputs are checked (headers, framing, footers): `write` makes the merged file, atomically. */
export interface PreparedMerge {
  write(): Promise<OutputResult>;
}

const MERGED_KINDS = new Set(['csv', 'ndjson', 'geojson', 'geoparquet', 'rclone_manifest']);

/**
 * The files of the pipeline a merge rebuilds: every output, and the rclone manifest of a `rclone_manifest`
 * step; standard output (`-`) and devices have no shard files, each shard wrote there itself: left out.
 */
export function mergeTargets(plan: LoadedPipeline): MergeTarget[] {
  const targets: MergeTarget[] = [];
  for (const { label, stage, options } of [...plan.steps, ...plan.outputs]) {
    if (!MERGED_KINDS.has(stage.name)) continue;
    const opts = (options ?? {}) as Record<string, unknown>;
    const written = opts.path;
    if (typeof written !== 'string' || written === '-' || written.startsWith('/dev/')) continue;
    targets.push({ label, kind: stage.name as MergeTarget['kind'], path: resolveOutputPath(written), written, options: opts });
  }
  return targets;
}
