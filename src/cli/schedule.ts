import { loadForRun } from './load-for-run.js';
import { parseDuration } from '../http/limits.js';
import { EXIT } from './exit-codes.js';
import { createLogger } from './logger.js';
import { UsageError } from './main.js';
import { runFromFile, type RunArgs } from './run-file.js';
import { ScheduledRuns } from './scheduled-runs.js';

export interface ScheduleArgs extends RunArgs {
  /** How long SIGTERM/SIGINT lets the current run finish before it is cancelled (`30s`); default: cancelled at once. */
  stopTimeout?: string;
}

/**
 * `run-pipeline FILE --schedule`: runs the pipeline at each time of its cron `schedule:` until SIGTERM or
 * SIGINT, one run at a time. Each run is `runFromFile` (the file read again, the state and its lock taken and
 * released around the run); a run that fails or throws is logged and the schedule goes on. A time that comes
 * while a run is still going is skipped (croner's `protect`), and logged. Resolves to the exit code: 0 when
 * stopped between runs or after the current run finished, 1 when the stop cancelled a run.
 */
export async function runOnSchedule(args: ScheduleArgs): Promise<number> {
  const graceMs = args.stopTimeout === undefined ? 0 : parseDuration(args.stopTimeout);
  if (graceMs === undefined) throw new UsageError(`--stop-timeout: expected a duration such as 30s, 5m or 1h, got "${args.stopTimeout}"`);
  const log = createLogger({ level: args.quiet ? 'warn' : 'info' });
  const plan = await loadForRun(args.file, args.set);
  if (plan === undefined) return EXIT.invalid;
  if (plan.schedule === undefined) {
    throw new UsageError(`${args.file}: --schedule runs a pipeline at the times of its \`schedule:\`, and this one has none (add e.g. schedule: "0 3 * * *")`);
  }
  if (plan.state === undefined) {
    log.warn({ pipeline: plan.name }, `schedule: ${args.file} has no \`state:\`: every run starts from zero and works every item again`);
  }
  const runs = new ScheduledRuns(plan.schedule, plan.scheduleTimezone, log, (signal, onResult) => runFromFile(args, { signal, onResult }));
  const stopping = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      // A second signal while waiting for the current run: cancel it now.
      if (runs.stopping) runs.cancelCurrent(signal);
      else resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  runs.start(plan.name);
  return runs.stop(await stopping, graceMs);
}
