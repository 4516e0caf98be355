import { concatMap, defaultIfEmpty, fromEvent, lastValueFrom, merge, Subject, takeUntil } from 'rxjs';
import type { Got } from 'got';
import type { Logger } from 'pino';
import type { Entry } from '../entry.js';
import { RunAbortedError, StacflowError, errorClass, errorCode, errorMessage } from '../errors.js';
import { createHttpClient } from '../http/client.js';
import { DEFAULT_LIMITS } from '../http/limits.js';
import type { RunContext } from './context.js';
import { Demand } from './demand.js';
import { DEFAULT_FAIL_FAST, FailureStreaks } from './failure-streaks.js';
import { IncrementalRunner } from './incremental.js';
import { pipelineFingerprint } from './fingerprint.js';
import { keptSnapshots, snapshotRecords } from './kept-outputs.js';
import { STATE_LABEL, type KeptOutput, type RunStateStore } from './run-state.js';
import { buildRunReport, defaultReportPath, writeRunReport, type RunReport } from './report.js';
import { countedSource, stageContext, stepOperator } from './per-entry.js';
import type { LoadedPipeline } from './pipeline.js';
import type { FilterOffer, OutputResult, OutputSink, Step } from './stage.js';
import { RunStats } from './stats.js';
import { useOutputS3Settings } from '../remote-output/settings.js';
import type { ShardSelection } from '../shard/selection.js';
import { shardGate } from '../shard/shard-gate.js';

export interface RunOptions {
  log: Logger;
  http?: Got;
  stats?: RunStats;
  /** Entries in flight at most (memory bound). */
  highWater?: number;
  /** Cancels the run (Ctrl-C): outputs are aborted, the report says `aborted`. */
  signal?: AbortSignal;
  /** Where the report goes; default: the pipeline's `report`, else beside the first output. */
  reportPath?: string;
  /** The incremental state (the pipeline's `state:`, opened by the caller, who closes it). */
  state?: RunStateStore;
  /** With `state`: work every item again (the state is still written). */
  fullRefresh?: boolean;
  /** With `state`: search everything and mark the items no longer returned removed. */
  reconcile?: boolean;
  /** Told how each entry ended (the HTML report's map and histograms, progress views). */
  watch?: RunWatcher;
  /**
   * A sharded run (`--shard I/N`): only the entries `keeps` says are this shard's go past the source; the
   * caller gives the pipeline with its shard's file names (src/shard/shard-files.ts).
   */
  shard?: ShardSelection;
}

/** What a view of the run is told of each entry, as it ends. Called synchronously: keep it cheap. */
export interface RunWatcher {
  /** An entry the outputs got: done, failed (its `failures`), or carried unchanged from the state. */
  written?(entry: Entry): void;
  /** An entry a step dropped: a filter said no, or it failed where failed entries are dropped (`failures`). */
  dropped?(entry: Entry, stage: string): void;
}

export interface RunResult {
  report: RunReport;
  reportPath: string;
  /** 0 done, 3 finished with failed items, 1 aborted (DESIGN.md "Exit codes"). */
  exitCode: 0 | 1 | 3;
}

/**
 * Entries in flight at most. Enough to keep every I/O stage's concurrency busy (fetch_label 32, downloads
 * a few), small enough that memory stays low: a parsed Kaguya item is ~12 KB of heap, and each item held
 * across pages costs several times that in RSS once V8 promotes it (measured: bench/, README).
 */
export const DEFAULT_HIGH_WATER = 256;

/**
 * Runs a pipeline: source → steps → outputs as one RxJS stream, with flow control, one stats object and
 * a run report that is always written (also when the run aborts).
 */
export async function runPipeline(plan: LoadedPipeline, options: RunOptions): Promise<RunResult> {
  // Before any output is opened: its s3:// paths upload with these (src/util/temp-output-file.ts).
  useOutputS3Settings(plan.outputsS3);
  const stats = options.stats ?? new RunStats();
  const demand = new Demand(options.highWater ?? DEFAULT_HIGH_WATER);
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const limits = plan.http ?? DEFAULT_LIMITS;
  // One got instance with the run's limits; its retry is off: src/http/request.ts retries (and counts here).
  const http =
    options.http ??
    createHttpClient({
      limits,
      onRetry: (info) => {
        stats.count('http', 'retries');
        options.log.info({ ...info }, `retrying ${info.method} ${info.url} in ${info.delayMs} ms (retry ${info.attempt}): ${info.reason}`);
      },
    });
  const runner = options.state
    ? new IncrementalRunner(
        options.state,
        { fullRefresh: options.fullRefresh ?? false, reconcile: options.reconcile ?? false },
        { log: options.log, stats, demand, fingerprint: pipelineFingerprint(plan), steps: plan.steps.map(({ stage, label }) => ({ label, keepsWorkInEntry: stage.keepsWorkInEntry === true })) },
      )
    : undefined;
  const ctx: RunContext = {
    http,
    limits,
    log: options.log,
    stats,
    s3: { ...plan.s3, limits },
    signal: controller.signal,
    pipelineName: plan.name,
    demand,
    streaks: new FailureStreaks(plan.failFast ?? DEFAULT_FAIL_FAST),
    ...(runner || options.watch?.dropped
      ? {
          onDropped: (entry: Entry, stage: string) => {
            runner?.settled(entry, 'dropped', stage);
            options.watch?.dropped?.(entry, stage);
          },
        }
      : {}),
  };
  const reportPath = options.reportPath ?? plan.report ?? defaultReportPath(plan);
  const sinks: Array<{ label: string; sink: OutputSink }> = [];
  const finishingSteps: Array<{ label: string; step: Step }> = [];
  const outputs: Record<string, OutputResult> = {};
  /** Snapshot outputs kept as the last complete run left them, and those this run leaves (for the state). */
  let kept = new Map<string, KeptOutput>();
  let keptNow: Record<string, KeptOutput> | undefined;
  let error: unknown;

  try {
    for (const { stage, options: stageOptions, label } of plan.outputs) {
      sinks.push({ label, sink: await stage.create(stageOptions, stageContext(ctx, label)) });
    }
    const { source } = plan;
    const sourceCtx = runner ? { ...stageContext(ctx, source.label), incremental: runner.incremental } : stageContext(ctx, source.label);
    let stream$ = countedSource(await source.stage.create(source.options, sourceCtx, filterOffers(plan)), sourceCtx);
    // Before the state: a shard's state knows only its own items (src/shard/shard-gate.ts).
    if (options.shard) stream$ = stream$.pipe(shardGate(options.shard, stats, demand));
    // With state: items done and unchanged go around the steps, straight to the outputs (incremental.ts).
    const carried$ = new Subject<Entry>();
    if (runner) stream$ = stream$.pipe(runner.gate(carried$));
    for (const { stage, options: stageOptions, label } of plan.steps) {
      const stepCtx = stageContext(ctx, label);
      const created = await stage.create(stageOptions, stepCtx);
      if (typeof created !== 'function' && (created.finish || created.abort || created.end)) finishingSteps.push({ label, step: created });
      stream$ = stream$.pipe(stepOperator(created, stepCtx, runner?.resumedPast(label)));
    }
    if (runner) stream$ = merge(stream$, carried$);
    const write = entryWriter(sinks, stats, runner, options.watch);
    const run$ = stream$.pipe(
      concatMap(async (entry) => {
        await write(entry);
        demand.release();
        return entry;
      }),
      takeUntil(fromEvent(controller.signal, 'abort')),
      defaultIfEmpty(undefined),
    );
    await lastValueFrom(run$);
    // A run that changed nothing keeps the snapshot files the last complete run wrote (kept-outputs.ts);
    // else, for the outputs that hold the whole catalog, the done items this run did not see, one at a time as
    // the state reads them (pulled, not pushed: a catalog of any size in constant memory; no flow slot); for
    // append outputs, those of them a killed run never published.
    if (runner && options.state) kept = await keptSnapshots(runner, options.state, sinks, plan);
    if (runner && kept.size === 0) {
      for (const entry of runner.rest(sinks.some(({ sink }) => sink.mode !== 'append'))) {
        if (controller.signal.aborted) break;
        await write(entry);
      }
    }
    if (controller.signal.aborted) throw new RunAbortedError('ERR_CANCELLED', `run cancelled (${String(controller.signal.reason ?? 'signal')})`);
    runner?.reconcile();
    for (const { step } of finishingSteps) await step.end?.();
    for (const { label, step } of finishingSteps) if (step.finish) outputs[label] = await step.finish();
    for (const { label, sink } of sinks) {
      const previous = kept.get(label);
      if (previous === undefined) {
        outputs[label] = await sink.finish();
        continue;
      }
      await sink.abort(); // its temporary file: the file in place is the one it would write
      outputs[label] = { path: previous.path, rows: previous.rows, unchanged: true };
    }
    if (runner) keptNow = await snapshotRecords(sinks, outputs, kept, plan);
  } catch (err) {
    error = err;
    if (!controller.signal.aborted) controller.abort(err);
    await Promise.allSettled([...sinks.map(({ sink }) => sink.abort()), ...finishingSteps.map(({ step }) => step.abort?.())]);
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }

  const exitCode: RunResult['exitCode'] = error !== undefined ? 1 : stats.failedItems() > 0 ? 3 : 0;
  if (runner && options.state) endIncrementalRun(runner, options.state, stats, exitCode, error === undefined, options.log, keptNow);
  const report = buildRunReport({
    plan,
    stats,
    outputs,
    error,
    exitCode,
    ...(runner && options.state ? { state: { store: options.state, runner } } : {}),
    ...(options.shard ? { shard: options.shard } : {}),
  });
  // An expected way to end (a fatal StacflowError: unreachable API, bad endpoint, cancelled) is said in one
  // line with its code; only a bug carries its stack (and the CLI prints it once more, see below).
  if (error !== undefined) options.log.error(errorClass(error) === 'bug' ? { err: error } : { code: errorCode(error) }, `run aborted: ${errorMessage(error)}`);
  await writeRunReport(reportPath, report);
  // A bug (a TypeError...) is not a way a run ends but a fault of stacflow: once the report is written, it
  // goes on to the CLI, which prints its stack and exits 1 (src/cli/main.ts).
  if (error !== undefined && errorClass(error) === 'bug') throw error;
  return { report, reportPath, exitCode };
}

/**
 * The pushdown offers: the conditions of the filter steps right after the source, up to the first step that
 * may change entries (one without `offer`: what a later filter reads could then differ from the item).
 */
function filterOffers(plan: LoadedPipeline): FilterOffer[] {
  const offers: FilterOffer[] = [];
  for (const { stage, options, label } of plan.steps) {
    if (stage.offer === undefined) break;
    const cql2 = stage.offer(options);
    if (cql2 !== undefined) offers.push({ from: label, cql2 });
  }
  return offers;
}

/**
 * The end of the stream: every output gets each entry in order (an `append` output only the entries worked in
 * this run, and those a killed run did not publish), then an incremental run records the item. The caller frees the entry's flow slot.
 */
function entryWriter(sinks: ReadonlyArray<{ label: string; sink: OutputSink }>, stats: RunStats, runner?: IncrementalRunner, watch?: RunWatcher): (entry: Entry) => Promise<void> {
  return async (entry: Entry) => {
    const appends = runner?.appends(entry) ?? true;
    for (const { label, sink } of sinks) {
      if (sink.mode === 'append' && !appends) continue;
      stats.entered(label);
      try {
        await sink.write(entry);
      } catch (err) {
        // An output that cannot be written makes the run meaningless (DESIGN.md): end it. A bug stays itself.
        throw err instanceof StacflowError || errorClass(err) === 'bug' ? err : new RunAbortedError('ERR_OUTPUT', `${label}: ${errorMessage(err)}`, err);
      }
      stats.passed(label);
    }
    runner?.settled(entry);
    watch?.written?.(entry);
  };
}

/** Closes the state's run: the cursor is saved only when the run completed; given-up items are said loudly. */
function endIncrementalRun(runner: IncrementalRunner, store: RunStateStore, stats: RunStats, exitCode: number, completed: boolean, log: Logger, outputs?: Record<string, KeptOutput>): void {
  const counts = stats.stage(STATE_LABEL).counters;
  if (runner.givenUp.length > 0) {
    const message = `${runner.givenUp.length} items given up after ${store.maxAttempts} failed runs (not tried again until they change): listed in the report's state.given_up`;
    stats.warn({ stage: STATE_LABEL, code: 'W_GIVEN_UP', message });
    log.warn({ state: store.location, given_up: runner.givenUp.length }, `state: ${message}`);
  }
  store.endRun(runner.runId, {
    endedAt: new Date().toISOString(),
    status: !completed ? 'aborted' : exitCode === 3 ? 'done_with_failures' : 'done',
    exitCode,
    counts,
    ...(completed && runner.nextCursor !== undefined ? { cursor: runner.nextCursor } : {}),
    ...(completed && outputs !== undefined ? { outputs } : {}),
  });
  store.flush();
}
