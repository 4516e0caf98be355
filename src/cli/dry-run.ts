import { StacflowError } from '../errors.js';
import { terminalText } from '../util/terminal-text.js';
import { EXIT } from './exit-codes.js';
import { loadForRun } from './load-for-run.js';
import { createLogger } from './logger.js';
import { locateIssues } from './dry-run-locate.js';
import { planDryRun } from './dry-run-plan.js';
import { dryRunText } from './dry-run-text.js';
import type { RunArgs } from './run-file.js';
import { shardReport } from '../shard/selection.js';
import { shardedRun, shardSpecOf } from '../shard/shard-run.js';

/**
 * `run-pipeline FILE --dry-run` (and `stacflow run FILE --dry-run`): validates the file (with `--set`), asks the
 * API what the run would find (dry-run-search.ts) and prints the plan on stdout, in words or, with `--json`, as
 * JSON. Writes nothing: no report, no state, no output, no folder. Resolves to 0 when the run could go, 2 for
 * the configuration errors found (the file, an unknown collection, a misspelled asset key, an option the API
 * refuses), 1 when the API cannot be read.
 */
export async function dryRunFromFile(args: RunArgs): Promise<number> {
  const log = createLogger({ level: args.verbose ? 'debug' : args.quiet ? 'error' : 'warn' });
  const loaded = await loadForRun(args.file, args.set);
  if (loaded === undefined) return EXIT.invalid;
  // A shard's dry run names its own files (and, with --plan, searches its window).
  const spec = shardSpecOf(args);
  const sharded = spec ? await shardedRun(loaded, spec, args) : undefined;
  const plan = sharded?.pipeline ?? loaded;

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const dry = await planDryRun(plan, { log, report: sharded ? sharded.report : args.report, fullRefresh: args.fullRefresh, signal: controller.signal });
    if (sharded) dry.shard = { ...shardReport(sharded.selection), counts: sharded.selection.strategy === 'hash' ? 'whole_search' : 'window' };
    await locateIssues(plan.file, args.set ?? [], [...dry.errors, ...dry.warnings]);
    process.stdout.write(args.json ? `${JSON.stringify(dry, null, 2)}\n` : dryRunText(dry));
    return dry.errors.length > 0 ? EXIT.invalid : EXIT.done;
  } catch (err) {
    // The API could not be read: said in one line, as the run would end (exit 1).
    if (!(err instanceof StacflowError) || err.errorClass !== 'fatal') throw err;
    process.stderr.write(`${terminalText(`${plan.name}: dry run stopped: ${err.message}`)}\n`);
    return EXIT.aborted;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
