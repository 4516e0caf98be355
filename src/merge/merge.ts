import type { Logger } from 'pino';
import { EXIT } from '../exit-codes.js';
import type { LoadedPipeline } from '../engine/pipeline.js';
import { defaultReportPath, writeRunReport, type RunReport } from '../engine/report.js';
import type { OutputResult } from '../engine/stage.js';
import { errorCode, errorMessage } from '../errors.js';
import { shardPath } from '../shard/shard-spec.js';
import { useOutputS3Settings } from '../remote-output/settings.js';
import { MergeError } from './errors.js';
import { prepareCsvMerge } from './csv-merge.js';
import { prepareGeoparquetMerge } from './geoparquet-merge.js';
import { prepareItemLinesMerge } from './item-lines-merge.js';
import { prepareManifestMerge } from './manifest-merge.js';
import { buildMergedReport, shardCensus, type MergedReport, type ShardCensus } from './merge-report.js';
import { mergeTargets, type MergeInput, type MergeTarget, type PreparedMerge } from './merge-target.js';
import { localShardFile } from './shard-inputs.js';
import { discoverShardCount, readShardReports, type ShardOfMerge } from './shard-reports.js';

export interface MergeOptions {
  readonly plan: LoadedPipeline;
  /** N; found from the shards' report names beside the pipeline's report when not given. */
  readonly shards?: number;
  /** Where the merged report goes (default: the pipeline's report path, as a run's). */
  readonly reportPath?: string;
  /** Merge the completed shards though some are missing or aborted (said loudly, status `partial`). */
  readonly partial?: boolean;
  readonly log?: Logger;
}

export interface MergeResult {
  readonly report: MergedReport;
  readonly reportPath: string;
  readonly exitCode: number;
}

/**
 * `stacflow merge FILE`: the shards' reports read and checked (one pipeline, one N, one search), the census
 * taken (missing, aborted, with failures), then every file the pipeline writes rebuilt from the shards' copies
 * (inputs checked first, each merged file written atomically), and one report of the whole written. Rows
 * follow shard order (shard 0's first), within a shard the order it wrote them.
 * Exit codes as a run's: 0 done, 3 some items failed, 1 shards missing or aborted (also with --partial,
 * which writes the merged files anyway) or a file not readable/writable. A MergeError of a mismatch (another
 * pipeline, another N) is thrown (exit 2): no report is written for a merge that was asked wrongly.
 */
export async function mergeShards(options: MergeOptions): Promise<MergeResult> {
  const startedAt = Date.now();
  const { plan, log } = options;
  // s3:// shard files are read, and merged files uploaded, with the pipeline's outputs_s3 (temp-output-file.ts).
  useOutputS3Settings(plan.outputsS3);
  const shardReportPath = plan.report ?? defaultReportPath(plan);
  const reportPath = options.reportPath ?? shardReportPath;
  const count = options.shards ?? (await discoverShardCount(shardReportPath));
  const shards = await readShardReports(plan, shardReportPath, count);
  const census = shardCensus(shards);
  const partial = options.partial === true;
  const incomplete = census.missing.length + census.aborted.length > 0;
  if (incomplete) log?.[partial ? 'warn' : 'error']({ missing: census.missing.map((s) => s.tag), aborted: census.aborted.map((s) => s.tag) }, absentText(census, partial));

  let outputs: Record<string, OutputResult> = {};
  let error: { code: string; message: string } | undefined;
  if (incomplete && !partial) error = { code: 'ERR_MERGE_SHARDS', message: absentText(census, false) };
  else {
    try {
      outputs = await mergeOutputs(plan, shards, census, log);
    } catch (err) {
      if (err instanceof MergeError && err.exitCode === EXIT.invalid) throw err;
      error = { code: errorCode(err), message: errorMessage(err) };
      log?.error({ code: error.code }, error.message);
    }
  }
  const failed = shards.some((s) => s.report?.status === 'done_with_failures');
  const exitCode = error !== undefined || incomplete ? EXIT.aborted : failed ? EXIT.someItemsFailed : EXIT.done;
  const report = buildMergedReport({ plan, shards, census, partial, outputs, startedAt, exitCode, ...(error ? { error } : {}) });
  await writeRunReport(reportPath, report as unknown as RunReport);
  return { report, reportPath, exitCode };
}

/** The shards not merged, by tag: what the user must run again. */
export function absentText(census: ShardCensus, partial: boolean): string {
  const parts: string[] = [];
  if (census.missing.length > 0) parts.push(`${census.missing.length} missing (no report: ${tags(census.missing)})`);
  if (census.aborted.length > 0) parts.push(`${census.aborted.length} aborted (${tags(census.aborted)})`);
  const said = `${parts.join(' and ')} of ${census.count} shards`;
  return partial
    ? `PARTIAL MERGE: ${said} are NOT in the merged files; run them again and merge again for the whole`
    : `${said}: nothing merged; run them again (run-pipeline FILE --shard I/${census.count}), or merge what is there with --partial`;
}

const tags = (shards: ReadonlyArray<{ index: number }>): string => {
  const indexes = shards.map((s) => s.index);
  return indexes.length > 20 ? `${indexes.slice(0, 20).join(', ')} and ${indexes.length - 20} more` : indexes.join(', ');
};

/** Every target's inputs opened and checked, then each merged file written (one after the other). */
async function mergeOutputs(plan: LoadedPipeline, shards: readonly ShardOfMerge[], census: ShardCensus, log: Logger | undefined): Promise<Record<string, OutputResult>> {
  const merged = shards.filter((s) => census.completed.includes(s.index));
  const opened: MergeInput[] = [];
  try {
    const prepared: Array<{ target: MergeTarget; merge: PreparedMerge }> = [];
    for (const target of mergeTargets(plan)) {
      const inputs: MergeInput[] = [];
      for (const shard of merged) {
        const location = shardPath(target.path, { index: shard.index, count: census.count });
        const file = await localShardFile(location);
        if (!file) {
          throw new MergeError('ERR_MERGE_INPUT', `${location}: shard ${shard.index} (${shard.tag}) completed, but its ${target.label} file is not there: moved or removed? run that shard again`);
        }
        const input: MergeInput = { index: shard.index, tag: shard.tag, file, ...(shard.report?.outputs?.[target.label] ? { result: shard.report.outputs[target.label] } : {}) };
        inputs.push(input);
        opened.push(input);
      }
      prepared.push({ target, merge: await prepare(target, inputs, plan) });
    }
    const outputs: Record<string, OutputResult> = {};
    for (const { target, merge } of prepared) {
      outputs[target.label] = await merge.write();
      log?.info({ label: target.label, path: outputs[target.label].path, rows: outputs[target.label].rows }, `${target.label}: merged ${merged.length} shards into ${outputs[target.label].path} (${outputs[target.label].rows} rows)`);
    }
    return outputs;
  } finally {
    await Promise.all(opened.map((input) => input.file.release()));
  }
}

function prepare(target: MergeTarget, inputs: readonly MergeInput[], plan: LoadedPipeline): Promise<PreparedMerge> {
  switch (target.kind) {
    case 'csv':
      return prepareCsvMerge(target, inputs);
    case 'ndjson':
    case 'geojson':
      return prepareItemLinesMerge(target, inputs);
    case 'geoparquet':
      return prepareGeoparquetMerge(target, inputs);
    case 'rclone_manifest':
      return prepareManifestMerge(target, inputs, plan.s3.endpoint || undefined);
  }
}
