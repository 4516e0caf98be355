import type { RunReport } from '../engine/report.js';
import type { OutputResult } from '../engine/stage.js';
import type { LoadedPipeline } from '../engine/pipeline.js';
import { VERSION } from '../version.js';
import type { ShardOfMerge } from './shard-reports.js';

/** Which shards are there, by index and tag. */
export interface ShardCensus {
  count: number;
  /** Shards whose run ended (done, or done with failed items): their files are merged. */
  completed: number[];
  /** Completed shards with failed items (status done_with_failures). */
  failed: Array<{ index: number; tag: string; items_failed: number }>;
  /** Shards with no report: not run, still running, or their report is elsewhere. */
  missing: Array<{ index: number; tag: string; report: string }>;
  /** Shards whose run was aborted (exit 1): their outputs are not merged. */
  aborted: Array<{ index: number; tag: string; error?: { code: string; message: string } }>;
}

/** The report `stacflow merge` writes: a run report of the whole, from the shards' reports and the merge. */
export interface MergedReport extends Omit<RunReport, 'status' | 'state' | 'failures' | 'warnings'> {
  /** Each with the tag of the shard it happened in. */
  failures: Array<RunReport['failures'][number] & { shard: string }>;
  warnings: Array<RunReport['warnings'][number] & { shard: string }>;
  /** `partial`: --partial merged what was there; `aborted`: shards missing or aborted, or the merge failed. */
  status: RunReport['status'] | 'partial';
  shards: ShardCensus & {
    partial: boolean;
    /** The earliest start and latest end of the merged shards' runs. */
    started_at?: string;
    ended_at?: string;
  };
}

export function shardCensus(shards: readonly ShardOfMerge[]): ShardCensus {
  const census: ShardCensus = { count: shards.length, completed: [], failed: [], missing: [], aborted: [] };
  for (const { index, tag, report, reportFile } of shards) {
    if (!report) census.missing.push({ index, tag, report: reportFile });
    else if (report.status === 'aborted') census.aborted.push({ index, tag, ...(report.error ? { error: report.error } : {}) });
    else {
      census.completed.push(index);
      if (report.status === 'done_with_failures') census.failed.push({ index, tag, items_failed: report.items?.failed ?? 0 });
    }
  }
  return census;
}

/**
 * The merged report: stages in the pipeline's order (then the others the shards report, `http`…), each count
 * and counter summed over the merged shards, `duration_s` the slowest shard's; every failure and warning with
 * its shard's tag (`shard`); the merge's outputs; the shards' census. `started_at`, `ended_at` and `duration_s`
 * are the merge's own.
 */
export function buildMergedReport(input: {
  plan: LoadedPipeline;
  shards: readonly ShardOfMerge[];
  census: ShardCensus;
  partial: boolean;
  outputs: Record<string, OutputResult>;
  startedAt: number;
  exitCode: number;
  error?: { code: string; message: string };
}): MergedReport {
  const { plan, census } = input;
  const merged = input.shards.filter((s) => s.report && s.report.status !== 'aborted');
  const stages = new Map<string, RunReport['stages'][number]>();
  for (const { label, stage } of [plan.source, ...plan.steps, ...plan.outputs]) {
    stages.set(label, { label, kind: stage.kind, in: 0, out: 0, failed: 0, dropped: 0, duration_s: null, counters: {} });
  }
  const items = { total: 0, failed: 0, written: 0 };
  const failures: MergedReport['failures'] = [];
  const warnings: MergedReport['warnings'] = [];
  let notListed = 0;
  let firstStart: string | undefined;
  let lastEnd: string | undefined;
  for (const { report, tag } of merged) {
    const r = report!;
    for (const stage of r.stages) {
      const into = stages.get(stage.label) ?? { label: stage.label, kind: stage.kind, in: 0, out: 0, failed: 0, dropped: 0, duration_s: null, counters: {} };
      stages.set(stage.label, into);
      into.in += stage.in ?? 0;
      into.out += stage.out ?? 0;
      into.failed += stage.failed ?? 0;
      into.dropped += stage.dropped ?? 0;
      if (typeof stage.duration_s === 'number') into.duration_s = Math.max(into.duration_s ?? 0, stage.duration_s);
      for (const [name, n] of Object.entries(stage.counters ?? {})) if (typeof n === 'number') into.counters[name] = (into.counters[name] ?? 0) + n;
    }
    items.total += r.items.total ?? 0;
    items.failed += r.items.failed ?? 0;
    items.written += r.items.written ?? 0;
    for (const failure of r.failures ?? []) failures.push({ ...failure, shard: tag });
    for (const warning of r.warnings ?? []) warnings.push({ ...warning, shard: tag });
    notListed += r.failures_not_listed ?? 0;
    if (r.started_at && (firstStart === undefined || r.started_at < firstStart)) firstStart = r.started_at;
    if (r.ended_at && (lastEnd === undefined || r.ended_at > lastEnd)) lastEnd = r.ended_at;
  }
  const ended = Date.now();
  const incomplete = census.missing.length + census.aborted.length > 0;
  const status: MergedReport['status'] =
    input.error !== undefined || (incomplete && !input.partial) ? 'aborted' : incomplete ? 'partial' : items.failed > 0 ? 'done_with_failures' : 'done';
  return {
    stacflow: VERSION,
    pipeline: { name: plan.name, file: plan.file },
    status,
    exit_code: input.exitCode,
    started_at: new Date(input.startedAt).toISOString(),
    ended_at: new Date(ended).toISOString(),
    duration_s: Math.round(ended - input.startedAt) / 1000,
    items,
    stages: [...stages.values()],
    outputs: input.outputs,
    failures,
    failures_not_listed: notListed,
    warnings,
    shards: { ...census, partial: input.partial && incomplete, ...(firstStart ? { started_at: firstStart } : {}), ...(lastEnd ? { ended_at: lastEnd } : {}) },
    ...(input.error ? { error: input.error } : {}),
  };
}
