import { loadForRun } from './load-for-run.js';
import { RunAbortedError } from '../errors.js';
import { runPipeline } from '../engine/run.js';
import { RunStats } from '../engine/stats.js';
import { EXIT } from './exit-codes.js';
import { createLogger } from './logger.js';
import { ProgressDisplay } from './progress.js';
import { terminalText } from '../util/terminal-text.js';
import type { StateStore } from '../state/store.js';

// The work of `run-pipeline FILE` and `stacflow run FILE`, imported by their handlers only: the engine, the
// stages and the logger are not loaded for --help or the other commands.

export interface RunArgs {
  file: string;
  report?: string;
  verbose?: boolean;
  quiet?: boolean;
  progress?: boolean;
  /** With `state:`: work every item again (the state is still written). */
  fullRefresh?: boolean;
  /** With `state:`: search everything, and mark the items the source no longer returns removed. */
  reconcile?: boolean;
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
  const tty = Boolean(process.stderr.isTTY);
  const showProgress = args.progress ?? (tty && !args.quiet);
  const log = createLogger({ level: args.verbose ? 'debug' : args.quiet ? 'error' : showProgress ? 'warn' : 'info' });

  const plan = await loadForRun(args.file);
  if (plan === undefined) return EXIT.invalid;

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
  const progress = showProgress ? new ProgressDisplay(plan, stats) : undefined;
  try {
    const result = await runPipeline(plan, {
      log,
      stats,
      signal: controller.signal,
      reportPath: args.report,
      ...(state ? { state, fullRefresh: args.fullRefresh ?? false, reconcile: args.reconcile ?? false } : {}),
    });
    progress?.stop();
    control.onResult?.(result);
    if (!args.quiet) process.stderr.write(summary(result.report, result.reportPath));
    return result.exitCode;
  } finally {
    progress?.stop();
    state?.close(); // commits what is buffered, releases the run lock
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The pipeline's state (src/state, loaded only for pipelines that have one), with its run lock taken: never
 * two runs of one pipeline at once; a lock left by a dead process is taken over, and said.
 */
async function openRunState(file: string, log: ReturnType<typeof createLogger>) {
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

/**
 * The end-of-run lines on stderr. Ids, paths and messages come from the data and the servers: each line's
 * control characters are escaped (src/util/terminal-text.ts), so none reaches the terminal raw.
 */
export function summary(report: Awaited<ReturnType<typeof runPipeline>>['report'], reportPath: string): string {
  const lines = [
    `${report.pipeline.name}: ${report.status.replaceAll('_', ' ')} in ${report.duration_s} s — ${report.items.total} items, ${report.items.failed} failed`,
  ];
  for (const [label, output] of Object.entries(report.outputs)) lines.push(`  ${label}: ${output.path} (${output.rows} rows)`);
  if (report.error) lines.push(`  error: ${report.error.message}`);
  const shown = report.failures.slice(0, 5);
  for (const f of shown) lines.push(`  failed ${f.item} at ${f.stage}: ${f.message}`);
  if (report.items.failed > shown.length) lines.push(`  … ${report.items.failed - shown.length} more failed items, see the report`);
  for (const w of report.warnings ?? []) lines.push(`  warning at ${w.stage}: ${w.message}`);
  lines.push(`  report: ${reportPath}`);
  return `${lines.map(terminalText).join('\n')}\n`;
}
