import path from 'node:path';
import { errorCode, errorMessage } from '../errors.js';
import { TempOutputFile } from '../util/temp-output-file.js';
import { outputSibling } from '../remote-output/output-url.js';
import { VERSION } from '../version.js';
import type { Failure } from '../entry.js';
import type { IncrementalRunner } from './incremental.js';
import type { LoadedPipeline } from './pipeline.js';
import { STATE_LABEL, type RunStateStore } from './run-state.js';
import type { OutputResult } from './stage.js';
import type { ReportedFailure, ReportedWarning, RunStats } from './stats.js';
import { shardReport, type ShardReport, type ShardSelection } from '../shard/selection.js';
import { SHARD_LABEL } from '../shard/shard-gate.js';

/** The JSON run report written beside the outputs after every run, also after an aborted one. */
export interface RunReport {
  stacflow: string;
  pipeline: { name: string; file: string };
  status: 'done' | 'done_with_failures' | 'aborted';
  exit_code: number;
  started_at: string;
  ended_at: string;
  duration_s: number;
  /**
   * `total`: the items the run worked on (in a sharded run, this shard's: the source's `out` less the other
   * shards' items); `searched` (sharded runs only): every item the search returned, all shards'.
   */
  items: { total: number; failed: number; written: number; searched?: number };
  stages: Array<{
    label: string;
    kind: string;
    in: number;
    out: number;
    failed: number;
    dropped: number;
    duration_s: number | null;
    counters: Record<string, number>;
  }>;
  outputs: Record<string, OutputResult>;
  failures: ReportedFailure[];
  /** Failures counted but not listed (over the cap kept in memory). */
  failures_not_listed: number;
  /** What the run found that no failure says (a field no entry ever had). */
  warnings: ReportedWarning[];
  /** An incremental run (`state:`): where the state is, this run's place in its history, what it decided. */
  state?: {
    location: string;
    run: number;
    /** new, changed, retried, unchanged (carried), given_up, duplicates, rest (from the state into snapshots), removed, recorded_<status>. */
    counts: Record<string, number>;
    /** Items failed max_attempts runs in a row and unchanged since: not tried again, with their last failures. */
    given_up: Array<{ item: string; collection?: string; failures: Failure[] }>;
  };
  /** A sharded run (`--shard I/N`): which shard, chosen how, the tag its files carry, and its counts. */
  shard?: ShardReport & { searched: number; this_shard: number; other_shards: number };
  error?: { code: string; message: string };
}

export function buildRunReport(input: {
  plan: LoadedPipeline;
  stats: RunStats;
  outputs: Record<string, OutputResult>;
  error: unknown;
  exitCode: number;
  state?: { store: RunStateStore; runner: IncrementalRunner };
  shard?: ShardSelection;
}): RunReport {
  const { plan, stats, error } = input;
  const ended = Date.now();
  const placed = [plan.source, ...plan.steps, ...plan.outputs];
  const stages: RunReport['stages'] = placed.map(({ label, stage }) => {
    const counts = stats.stage(label);
    return {
      label,
      kind: stage.kind,
      in: counts.in,
      out: counts.out,
      failed: counts.failed,
      dropped: counts.dropped,
      duration_s: counts.startedAt !== undefined && counts.endedAt !== undefined ? round((counts.endedAt - counts.startedAt) / 1000) : null,
      counters: counts.counters,
    };
  });
  const http = stats.stages.get('http');
  if (http) stages.push({ label: 'http', kind: 'transport', in: 0, out: 0, failed: 0, dropped: 0, duration_s: null, counters: http.counters });
  // The shard's choice after the source: `in` every item searched, `out` this shard's (not a stage's drops).
  const sharded = input.shard ? shardCounts(stats) : undefined;
  if (sharded) stages.splice(1, 0, { label: SHARD_LABEL, kind: 'shard', in: sharded.searched, out: sharded.this_shard, failed: 0, dropped: 0, duration_s: null, counters: { ...sharded } });
  // Written: the entries the last output holds, if that output exists. An aborted run aborts its outputs
  // (their temporary files are removed): nothing was written, whatever reached them. A snapshot kept as the
  // last complete run left it (kept-outputs.ts) holds its rows.
  const lastOutput = plan.outputs.at(-1);
  const lastResult = lastOutput ? input.outputs[lastOutput.label] : undefined;
  const written = lastOutput === undefined || lastResult === undefined ? 0 : lastResult.unchanged === true ? lastResult.rows : stats.stage(lastOutput.label).out;
  const report: RunReport = {
    stacflow: VERSION,
    pipeline: { name: plan.name, file: plan.file },
    status: error !== undefined ? 'aborted' : stats.failedItems() > 0 ? 'done_with_failures' : 'done',
    exit_code: input.exitCode,
    started_at: new Date(stats.startedAt).toISOString(),
    ended_at: new Date(ended).toISOString(),
    duration_s: round((ended - stats.startedAt) / 1000),
    items: {
      total: sharded ? sharded.this_shard : stats.stage(plan.source.label).out,
      failed: stats.failedItems(),
      written,
      ...(sharded ? { searched: sharded.searched } : {}),
    },
    stages,
    outputs: input.outputs,
    failures: stats.failures,
    failures_not_listed: stats.failuresNotKept,
    warnings: stats.warnings,
  };
  if (input.state) {
    const { store, runner } = input.state;
    report.state = {
      location: store.location,
      run: runner.runId,
      counts: { ...stats.stage(STATE_LABEL).counters },
      given_up: runner.givenUp.map((entry) => ({ item: entry.item.id, ...(entry.item.collection ? { collection: entry.item.collection } : {}), failures: [...entry.failures] })),
    };
  }
  if (input.shard && sharded) report.shard = { ...shardReport(input.shard), ...sharded };
  if (error !== undefined) {
    report.error = { code: errorCode(error), message: errorMessage(error) };
  }
  return report;
}

/** Beside the first output that has a path (`out/x.csv` → `out/<name>.report.json`), else in the working directory. */
export function defaultReportPath(plan: LoadedPipeline): string {
  for (const output of plan.outputs) {
    const target = (output.options as { path?: unknown } | undefined)?.path;
    // Not beside standard output (`-`) or a device: the report is a file of its own, never put in /dev.
    if (typeof target === 'string' && target !== '' && target !== '-' && !target.startsWith('/dev/')) return outputSibling(target, `${plan.name}.report.json`); // s3://… too
  }
  return `${plan.name}.report.json`;
}

/**
 * Written as every output is (src/util/temp-output-file.ts): to a temporary name and renamed, so a reader never
 * sees half a report; `-`, a FIFO or a device written in place; stale temporary reports of killed runs removed.
 */
export async function writeRunReport(file: string, report: RunReport): Promise<void> {
  const out = new TempOutputFile<string>(file);
  try {
    await out.write(`${JSON.stringify(report, null, 2)}\n`);
    await out.finish();
  } catch (err) {
    await out.abort().catch(() => undefined);
    throw err;
  }
}

function shardCounts(stats: RunStats): { searched: number; this_shard: number; other_shards: number } {
  const counters = stats.stage(SHARD_LABEL).counters;
  return { searched: counters['searched'] ?? 0, this_shard: counters['this_shard'] ?? 0, other_shards: counters['other_shards'] ?? 0 };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
