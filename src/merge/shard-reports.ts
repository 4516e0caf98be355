import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunReport } from '../engine/report.js';
import { pipelineFingerprint } from '../engine/fingerprint.js';
import type { LoadedPipeline } from '../engine/pipeline.js';
import { shardPath, shardTag, MAX_SHARDS } from '../shard/shard-spec.js';
import { MergeError } from './errors.js';
import { localShardFile, shardFolderNames } from './shard-inputs.js';

/** The `shard` section of a shard's run report (src/engine/report.ts, written by `run-pipeline --shard I/N`). */
export interface ShardSection {
  index: number;
  count: number;
  from?: string;
  strategy?: string;
  tag?: string;
  /** A datetime-window plan's identity (`stacflow plan`): shards of one merge ran one plan. */
  plan?: unknown;
  fingerprint?: unknown;
  /** The pipeline's source and steps, as the shard was given them (src/engine/fingerprint.ts). */
  pipeline_fingerprint?: unknown;
}

export type ShardReport = RunReport & { shard?: ShardSection };

/** One shard of the merge: its index, tag, report file, and the report when there is one. */
export interface ShardOfMerge {
  readonly index: number;
  readonly tag: string;
  readonly reportFile: string;
  readonly report?: ShardReport;
}

/** A report bigger than this is no run report (failures are capped in memory by the run): refused, named. */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;

/**
 * The number of shards, from the names of the shards' reports beside `reportPath`
 * (`<name>.shard-0007-of-0064.report.json`): one N, or an error naming each N found (or none).
 */
export async function discoverShardCount(reportPath: string): Promise<number> {
  const pattern = shardNamePattern(reportPath);
  const counts = new Map<number, string[]>();
  for (const name of await shardFolderNames(reportPath)) {
    const match = pattern.exec(name);
    if (!match) continue;
    const count = Number(match[2]);
    counts.set(count, [...(counts.get(count) ?? []), name]);
  }
  if (counts.size === 0) {
    throw new MergeError(
      'ERR_MERGE_SHARDS',
      `no shard reports beside ${reportPath} (${path.basename(shardPath(reportPath, { index: 0, count: 64 }))} and so on): run the shards first (run-pipeline FILE --shard I/N), or give --shards N to list which are missing`,
    );
  }
  if (counts.size > 1) {
    const found = [...counts].sort(([a], [b]) => a - b).map(([count, names]) => `${count} (${names.length} report${names.length === 1 ? '' : 's'}, e.g. ${names[0]})`);
    throw new MergeError('ERR_MERGE_MISMATCH', `shard reports of several shard counts beside ${reportPath}: ${found.join('; ')}: give --shards N, or remove the reports of the other sharding`);
  }
  const [count] = counts.keys();
  if (!(count >= 1 && count <= MAX_SHARDS)) throw new MergeError('ERR_MERGE_MISMATCH', `shard reports beside ${reportPath} name ${count} shards: expected 1 to ${MAX_SHARDS}`);
  return count;
}

/** `<stem>.shard-(\d+)-of-(\d+)<ext>` for the report path, built from shardPath so both agree on the names. */
function shardNamePattern(reportPath: string): RegExp {
  const sample = path.basename(shardPath(reportPath, { index: 0, count: 1 }));
  const tag = shardTag({ index: 0, count: 1 });
  const at = sample.indexOf(tag);
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escape(sample.slice(0, at))}shard-(\\d+)-of-(\\d+)${escape(sample.slice(at + tag.length))}$`);
}

/** Every shard's report (those that exist), each checked to be a report of this pipeline's shard `index` of `count`. */
export async function readShardReports(plan: LoadedPipeline, reportPath: string, count: number): Promise<ShardOfMerge[]> {
  const shards: ShardOfMerge[] = [];
  for (let index = 0; index < count; index++) {
    const spec = { index, count };
    const reportFile = shardPath(reportPath, spec);
    const report = await readReport(reportFile);
    if (report) checkReport(report, reportFile, plan, spec);
    shards.push({ index, tag: shardTag(spec), reportFile, ...(report ? { report } : {}) });
  }
  checkSameSearch(shards);
  return shards;
}

async function readReport(location: string): Promise<ShardReport | undefined> {
  const file = await localShardFile(location);
  if (file === undefined) return undefined;
  try {
    if (file.size > MAX_REPORT_BYTES) {
      throw new MergeError('ERR_MERGE_INPUT', `${location}: ${file.size} bytes, more than a run report holds (${MAX_REPORT_BYTES}): not a shard's run report?`);
    }
    const text = await readFile(file.file, 'utf8');
    let report: unknown;
    try {
      report = JSON.parse(text);
    } catch (err) {
      throw new MergeError('ERR_MERGE_INPUT', `${location}: not JSON (${(err as Error).message}): the shard's report is damaged; run that shard again`, { cause: err });
    }
    return shapeChecked(report, location);
  } finally {
    await file.release();
  }
}

function shapeChecked(report: unknown, location: string): ShardReport {
  const r = report as Partial<ShardReport> | null;
  const wrong = (what: string) => new MergeError('ERR_MERGE_INPUT', `${location}: not a stacflow run report (${what})`);
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw wrong('not a JSON object');
  if (typeof r.pipeline?.name !== 'string') throw wrong('no pipeline.name');
  if (r.status !== 'done' && r.status !== 'done_with_failures' && r.status !== 'aborted') throw wrong(`status ${JSON.stringify(r.status)}`);
  if (!Array.isArray(r.stages)) throw wrong('no stages');
  if (typeof r.outputs !== 'object' || r.outputs === null) throw wrong('no outputs');
  if (typeof r.items !== 'object' || r.items === null) throw wrong('no items');
  return r as ShardReport;
}

function checkReport(report: ShardReport, file: string, plan: LoadedPipeline, spec: { index: number; count: number }): void {
  const mismatch = (message: string) => new MergeError('ERR_MERGE_MISMATCH', `${file}: ${message}`);
  if (report.pipeline.name !== plan.name) throw mismatch(`a report of pipeline "${report.pipeline.name}", not of "${plan.name}" (${plan.file})`);
  const shard = report.shard;
  if (typeof shard !== 'object' || shard === null) throw mismatch('not a shard\'s report (it has no `shard` section): written by an unsharded run?');
  if (shard.count !== spec.count) throw mismatch(`a report of shard ${shard.index} of ${shard.count}, not of ${spec.count} shards: the shards of one merge must all be run with the same N`);
  if (shard.index !== spec.index) throw mismatch(`its shard section says shard ${shard.index}, its name shard ${spec.index}: renamed?`);
  // Run with the same source and steps (a changed bbox, filter or download folder: another result).
  const given = shard.pipeline_fingerprint;
  if (typeof given === 'string' && given !== pipelineFingerprint(plan)) {
    throw mismatch(`the shard ran another search or other steps than ${plan.file} now says (pipeline fingerprint ${given}, the file's ${pipelineFingerprint(plan)}): merge with the file and --set options the shards ran, or run them again`);
  }
  // The pipeline's stages must be those the shard ran (its labels and kinds), or the files do not line up.
  const ran = new Map(report.stages.map((stage) => [stage.label, stage.kind]));
  for (const { label, stage } of [plan.source, ...plan.steps, ...plan.outputs]) {
    const kind = ran.get(label);
    if (kind === undefined) throw mismatch(`the shard ran no stage "${label}", which ${plan.file} has: the pipeline changed since the shards ran (run them again, or merge with the file they ran)`);
    if (kind !== stage.kind) throw mismatch(`its stage "${label}" is a ${kind}, in ${plan.file} a ${stage.kind}: the pipeline changed since the shards ran`);
  }
}

/** Shards of one merge split one search the same way: the same strategy, the same plan (its fingerprint). */
function checkSameSearch(shards: readonly ShardOfMerge[]): void {
  const identity = (s: ShardSection) => JSON.stringify({ strategy: s.strategy ?? null, fingerprint: s.fingerprint ?? null, plan: planIdentity(s.plan) });
  let first: ShardOfMerge | undefined;
  for (const shard of shards) {
    if (!shard.report?.shard) continue;
    if (!first) {
      first = shard;
      continue;
    }
    const a = identity(first.report!.shard!);
    const b = identity(shard.report.shard);
    if (a !== b) throw new MergeError('ERR_MERGE_MISMATCH', `${shard.reportFile} split another search than ${first.reportFile} (${b} vs ${a}): the shards of one merge must run one search, with one strategy and plan; run the odd ones again`);
  }
}

/** What names a plan: its fingerprint when it has one (a plan file's path may differ between machines). */
function planIdentity(plan: unknown): unknown {
  if (typeof plan !== 'object' || plan === null) return plan ?? null;
  const p = plan as Record<string, unknown>;
  return p.fingerprint ?? p.source_fingerprint ?? null;
}
