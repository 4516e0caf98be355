import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { isRemoteOutput } from '../remote-output/output-url.js';
import { lastUpload } from '../remote-output/uploads.js';
import type { IncrementalRunner } from './incremental.js';
import type { LoadedPipeline } from './pipeline.js';
import type { KeptOutput, RunStateStore } from './run-state.js';
import type { OutputResult, OutputSink } from './stage.js';

/**
 * Snapshot outputs kept as they are (issue 12: an unchanged night in a few seconds, not the time it takes to
 * read every stored entry back and write the catalog again). When a run changed nothing (incremental.ts
 * changedNothing) and each snapshot output's file is the one the last complete run wrote (same path, same
 * stage options, same size and mtime: nobody touched it since), that file is what the run would write again:
 * it stays in place, the rows the state remembers are reported, and the run's temporary file is dropped.
 * All or nothing: one snapshot output that must be rebuilt has every output rebuilt from the state.
 * An `s3://` output is kept the same way, by a HEAD: same size and the ETag its upload got (nothing wrote the
 * key since); no upload at all then. A HEAD that fails (network, permissions) rebuilds and uploads again.
 */
type Sinks = ReadonlyArray<{ label: string; sink: OutputSink }>;

export async function keptSnapshots(runner: IncrementalRunner, store: RunStateStore, sinks: Sinks, plan: LoadedPipeline): Promise<Map<string, KeptOutput>> {
  const snapshots = sinks.filter(({ sink }) => sink.mode !== 'append');
  if (snapshots.length === 0 || !runner.changedNothing()) return new Map();
  const last = store.lastOutputs();
  const kept = new Map<string, KeptOutput>();
  for (const { label, sink } of snapshots) {
    const previous = last[label];
    if (previous === undefined || sink.target === undefined || previous.path !== sink.target || previous.options !== optionsHash(plan, label)) return new Map();
    if (!(await unchangedSince(previous))) return new Map();
    kept.set(label, previous);
  }
  runner.keptOutputs(kept);
  return kept;
}

/** What the state remembers of this run's snapshot outputs (files it wrote, or kept), for the next run. */
export async function snapshotRecords(sinks: Sinks, outputs: Readonly<Record<string, OutputResult>>, kept: ReadonlyMap<string, KeptOutput>, plan: LoadedPipeline): Promise<Record<string, KeptOutput>> {
  const records: Record<string, KeptOutput> = {};
  for (const { label, sink } of sinks) {
    if (sink.mode === 'append' || sink.target === undefined) continue;
    const previous = kept.get(label);
    if (previous !== undefined) {
      records[label] = previous;
      continue;
    }
    const result = outputs[label];
    if (result === undefined || result.path !== sink.target) continue;
    if (isRemoteOutput(result.path)) {
      const object = lastUpload(result.path);
      if (object) records[label] = { path: result.path, rows: result.rows, size: object.size, mtimeMs: 0, etag: object.etag, options: optionsHash(plan, label) };
      continue;
    }
    const now = await stat(result.path).catch(() => undefined);
    if (now?.isFile()) records[label] = { path: result.path, rows: result.rows, size: now.size, mtimeMs: now.mtimeMs, options: optionsHash(plan, label) };
  }
  return records;
}

/** Whether the file (or S3 object) a complete run left is still as it left it. */
async function unchangedSince(previous: KeptOutput): Promise<boolean> {
  if (isRemoteOutput(previous.path)) {
    if (previous.etag === undefined) return false;
    const { headOutput } = await import('../remote-output/read-back.js'); // the AWS SDK, only for s3:// outputs
    const now = await headOutput(previous.path).catch(() => undefined);
    return now !== undefined && now.size === previous.size && now.etag === previous.etag;
  }
  const now = await stat(previous.path).catch(() => undefined);
  return now?.isFile() === true && now.size === previous.size && now.mtimeMs === previous.mtimeMs;
}

/** The output's stage and options as configured: another column or format rebuilds the file. */
function optionsHash(plan: LoadedPipeline, label: string): string {
  const output = plan.outputs.find((o) => o.label === label);
  return createHash('sha256').update(JSON.stringify([output?.stage.name, output?.options])).digest('hex').slice(0, 32);
}

