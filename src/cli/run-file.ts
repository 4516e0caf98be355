import { STAGES } from '../../operators/index.js';
import { ConfigurationError } from '../errors.js';
import { loadPipeline } from '../config/load.js';
import { runPipeline } from '../engine/run.js';
import { RunStats } from '../engine/stats.js';
import { EXIT } from './exit-codes.js';
import { createLogger } from './logger.js';
import { ProgressDisplay } from './progress.js';
import { terminalText } from '../util/terminal-text.js';

// The work of `run-pipeline FILE` and `stacflow run FILE`, imported by their handlers only: the engine, the
// stages and the logger are not loaded for --help or the other commands.

export interface RunArgs {
  file: string;
  report?: string;
  verbose?: boolean;
  quiet?: boolean;
  progress?: boolean;
}

/** Loads, validates and runs a pipeline; resolves to the process exit code (DESIGN.md). */
export async function runFromFile(args: RunArgs): Promise<number> {
  const tty = Boolean(process.stderr.isTTY);
  const showProgress = args.progress ?? (tty && !args.quiet);
  const log = createLogger({ level: args.verbose ? 'debug' : args.quiet ? 'error' : showProgress ? 'warn' : 'info' });

  let plan;
  try {
    plan = await loadPipeline(args.file, STAGES, process.env);
  } catch (err) {
    if (err instanceof ConfigurationError) {
      process.stderr.write(`${err.message}\n${err.issues.length} error${err.issues.length === 1 ? '' : 's'} in ${args.file}\n`);
      return EXIT.invalid;
    }
    throw err;
  }

  const stats = new RunStats();
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = showProgress ? new ProgressDisplay(plan, stats) : undefined;
  try {
    const result = await runPipeline(plan, { log, stats, signal: controller.signal, reportPath: args.report });
    progress?.stop();
    if (!args.quiet) process.stderr.write(summary(result.report, result.reportPath));
    return result.exitCode;
  } finally {
    progress?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
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
