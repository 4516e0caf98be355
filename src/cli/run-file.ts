import { loadForRun } from './load-for-run.js';
import { RunAbortedError, StacflowError, errorClass } from '../errors.js';
import { AlreadySaidError } from './main.js';
import { runPipeline } from '../engine/run.js';
import { RunStats } from '../engine/stats.js';
import { EXIT } from './exit-codes.js';
import type { Logger } from 'pino';
import { RunTerminal } from './progress/run-terminal.js';
import { htmlReportFor } from '../report-html/index.js';
import type { StateStore } from '../state/store.js';
import { shardedRun, shardSpecOf, type ShardArgs } from '../shard/shard-run.js';

// The work of `run-pipeline FILE` and `stacflow run FILE`, imported by their handlers only: the engine, the
// stages and the logger are not loaded for --help or the other commands.

export interface RunArgs extends ShardArgs {
  file: string;
  report?: string;
  verbose?: boolean;
  quiet?: boolean;
  progress?: boolean;
  /** Seconds between the JSON progress lines off a TTY (default 10). */
  progressInterval?: number;
  /** With `state:`: work every item again (the state is still written). */
  fullRefresh?: boolean;
  /** With `state:`: search everything, and mark the items the source no longer returns removed. */
  reconcile?: boolean;
  /** `--set PATH=VALUE` arguments: options changed from the command line (src/config/overrides.ts). */
  set?: string[];
  /** Say what the run would do, from the API's answers, and write nothing (src/cli/dry-run.ts). */
  dryRun?: boolean;
  /** With --dry-run: the plan as JSON on stdout. */
  json?: boolean;
  /** false (`--no-html-report`): no report.html beside the JSON report (src/report-html). */
  htmlReport?: boolean;
}

/** What a caller that runs the file many times (`--schedule`, src/cli/schedule.ts) controls of one run. */
export interface RunControl {
  /** Cancels the run; when given, the run leaves SIGINT and SIGTERM to the caller. */
  signal?: AbortSignal;
  /** Told the run's result (report, its path, exit code) before runFromFile returns. */
  onResult?: (result: Awaited<ReturnType<typeof runPipeline>>) => void;
}

/** Loads, validates and runs a pipeline; resolves to the process exit code (DESIGN.md). */
export async function runFromFile(args: RunArgs, control: RunControl = {}): Promise<number> {
  if (args.dryRun) {
    const { dryRunFromFile } = await import('./dry-run.js');
    return dryRunFromFile(args);
  }
  // Logs, progress and summary on stderr: bars on a TTY, JSON lines off one (src/cli/progress/run-terminal.ts).
  const terminal = new RunTerminal(args);
  try {
    return await runWith(terminal, args, control);
  } catch (err) {
    // Off a TTY stderr holds nothing but JSON lines: an expected error too (a bug keeps its stack, as text).
    if (terminal.tty || !(err instanceof StacflowError) || errorClass(err) === 'bug') throw err;
    terminal.log.error({ code: err.code }, err.message);
    throw new AlreadySaidError(err);
  }
}

async function runWith(terminal: RunTerminal, args: RunArgs, control: RunControl): Promise<number> {
  const { log } = terminal;
  const loaded = await loadForRun(args.file, args.set, terminal.tty ? undefined : log);
  if (loaded === undefined) return EXIT.invalid;
  // A shard (--shard I/N): its items only, its own state, report and outputs (src/shard/).
  const shard = shardSpecOf(args);
  const sharded = shard ? await shardedRun(loaded, shard, args) : undefined;
  const plan = sharded?.pipeline ?? loaded;
  if (sharded) log.info({ shard: sharded.selection.spec }, `shard ${shard!.index}/${shard!.count} (${sharded.selection.strategy}, index from ${shard!.from})`);

  const stats = new RunStats();
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(signal);
  if (control.signal) control.signal.addEventListener('abort', () => controller.abort(control.signal?.reason), { once: true });
  else {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  let state: StateStore | undefined;
  try {
    state = plan.state === undefined ? undefined : await openRunState(plan.state, log);
  } catch (err) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw err;
  }
  terminal.start(plan, stats);
  const htmlReport = args.htmlReport === false ? undefined : htmlReportFor(plan);
  try {
    const result = await runPipeline(plan, {
      log,
      stats,
      signal: controller.signal,
      reportPath: sharded ? sharded.report : args.report,
      ...(sharded ? { shard: sharded.selection } : {}),
      ...(htmlReport ? { watch: htmlReport.watch } : {}),
      ...(state ? { state, fullRefresh: args.fullRefresh ?? false, reconcile: args.reconcile ?? false } : {}),
    });
    terminal.stop();
    // The page is a view of the JSON report: failing to write it is said, and changes no exit code.
    const htmlPath = await htmlReport?.write(result.report, result.reportPath).catch((err: unknown) => {
      log.warn({ err }, `html report not written: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
    control.onResult?.(result);
    terminal.summary(result.report, result.reportPath, htmlPath !== undefined ? { htmlReport: htmlPath } : {});
    return result.exitCode;
  } finally {
    terminal.stop();
    state?.close(); // commits what is buffered, releases the run lock
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The pipeline's state (src/state, loaded only for pipelines that have one), with its run lock taken: never
 * two runs of one pipeline at once; a lock left by a dead process is taken over, and said.
 */
async function openRunState(file: string, log: Logger) {
  const { openStateStore } = await import('../state/store.js');
  const store = await openStateStore(file, { root: process.cwd() });
  const lock = store.acquireLock();
  if (!lock.acquired) {
    store.close();
    const { holder } = lock;
    throw new RunAbortedError(
      'ERR_STATE_LOCKED',
      `${store.location}: another run of this pipeline holds the state (pid ${holder.pid} on ${holder.host}, since ${holder.acquiredAt}); ` +
        'it must end first (a lock of a dead process is taken over by itself)',
    );
  }
  if (lock.tookOverFrom) log.warn({ state: store.location, holder: lock.tookOverFrom }, `state: took over the run lock of pid ${lock.tookOverFrom.pid}, which no longer runs (its run was cut: it is marked interrupted)`);
  return store;
}
