import { devNull } from 'node:os';
import { runPipeline, type RunResult } from '../../engine/run.js';
import { RunStats } from '../../engine/stats.js';
import { terminalText } from '../../util/terminal-text.js';
import type { SearchArgs } from '../commands/search.js';
import { createLogger } from '../logger.js';
import { stacSearchOptionsOf } from './search-flags.js';
import { searchPipeline } from './search-pipeline.js';

/**
 * The work of `stacflow search`, imported by its handler only: the flags become an in-memory pipeline
 * (search-pipeline.ts) that the engine runs as it runs a file, so paging, retries, limits and errors are the
 * pipeline's. Standard output gets the items and nothing else; logs and the one-line summary go to stderr.
 * Resolves to the exit code: 0, 1 when the search could not go on, 3 when some items failed (a page's item
 * the source refused); bad flags throw a UsageError (exit 2) before any request.
 */
export async function runSearch(args: SearchArgs): Promise<number> {
  const log = createLogger({ level: args.verbose ? 'debug' : args.quiet ? 'error' : 'warn' });
  const options = await stacSearchOptionsOf(args, (message) => log.warn(message));
  const plan = searchPipeline(options, args.save, args.report);
  if (args.matched) {
    const { printMatched } = await import('./matched.js');
    return printMatched(plan, log);
  }

  const stats = new RunStats();
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await runPipeline(plan, { log, stats, signal: controller.signal });
    if (!args.quiet && result.exitCode !== 1) process.stderr.write(summary(result, stats, args.maxItems === undefined));
    return result.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * `search: 57 items of 57 matched in 0.4 s → out/x.parquet`, and where the report went when one was asked for.
 * The count matched is the API's `numberMatched` (the `expected` counter), said only when no --max-items cut it.
 */
function summary({ report, reportPath }: RunResult, stats: RunStats, uncut: boolean): string {
  const expected = stats.stage('stac_search').counters.expected;
  const matched = expected === undefined || !uncut ? '' : ` of ${expected} matched`;
  const [output] = Object.values(report.outputs);
  const where = output && output.path !== '-' ? ` → ${output.path}` : '';
  const failed = report.items.failed > 0 ? `, ${report.items.failed} refused (see the log)` : '';
  const lines = [`search: ${report.items.total} items${matched} in ${report.duration_s} s${where}${failed}`];
  if (reportPath !== devNull) lines.push(`  report: ${reportPath}`);
  return `${lines.map(terminalText).join('\n')}\n`;
}
