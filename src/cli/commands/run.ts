import type { Argv, CommandModule } from 'yargs';
import type { RunArgs } from '../run-file.js';

export type { RunArgs } from '../run-file.js';

/** The options of a run, and those of `--schedule` (src/cli/schedule.ts). */
export interface RunFileArgs extends RunArgs {
  schedule?: boolean;
  /** `30s`, `5m`: read by src/cli/schedule.ts (the duration parser loads zod, which --help must not). */
  stopTimeout?: string;
}

/** Options shared by `run-pipeline FILE` and `stacflow run FILE`. */
export function runOptions<T>(yargs: Argv<T>): Argv<T & RunFileArgs> {
  return scheduleOptions(setOption(shardOptions(oneRunOptions(yargs)))) as Argv<T & RunFileArgs>;
}

/**
 * `--shard I/N`, `--shards N` (the index from a scheduler: JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX),
 * `--plan FILE`: one part of a sharded run (src/shard/). Checked by src/shard/shard-spec.ts, not here: its
 * errors name the variable the index came from.
 */
export function shardOptions<T>(yargs: Argv<T>, what = 'run'): Argv<T & { shard?: string; shards?: number }> {
  return yargs
    .option('shard', {
      type: 'string',
      requiresArg: true,
      describe: `${what} shard I of N (0 ≤ I < N), e.g. --shard 7/64: the items whose SHA-256 of collection/id mod N is I; its state, report and outputs carry the tag shard-0007-of-0064`,
    })
    .option('shards', {
      type: 'number',
      requiresArg: true,
      describe: `${what} one of N shards, the index from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job)`,
    }) as Argv<T & { shard?: string; shards?: number }>;
}

function oneRunOptions<T>(yargs: Argv<T>): Argv<T & RunArgs> {
  return yargs
    .positional('file', { type: 'string', describe: 'pipeline YAML file', demandOption: true })
    .option('report', { type: 'string', describe: 'where to write the JSON run report (default: beside the first output)' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'log every page, retry, skipped file and dropped item' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'log errors and failed items only: no progress, no summary' })
    .option('progress', { type: 'boolean', describe: 'progress: bars on a TTY, a JSON line every --progress-interval off one (default: on unless -q; --no-progress: off)' })
    .option('progress-interval', {
      type: 'number',
      requiresArg: true,
      describe: 'seconds between the JSON progress lines when stderr is not a TTY (default 10)',
      coerce: (seconds: number) => {
        if (!(seconds > 0 && Number.isFinite(seconds))) throw new Error(`--progress-interval: expected a number of seconds above 0, got ${seconds}`);
        return seconds;
      },
    })
    .option('full-refresh', { type: 'boolean', describe: "with state: work every item again, ignoring what earlier runs did (the state is rewritten)" })
    .option('reconcile', { type: 'boolean', describe: 'with state: search everything, and mark the items the source no longer returns as removed' })
    .option('html-report', { type: 'boolean', describe: 'write report.html beside the JSON report (map, histograms, stages, failures); on by default, --no-html-report: off' })
    .option('dry-run', { type: 'boolean', describe: 'ask the API what the run would do (collections, matches, asset keys, downloads, outputs) and write nothing; exit 2 on config errors' })
    .option('json', { type: 'boolean', describe: 'with --dry-run: the plan as JSON on stdout' })
    .option('plan', { type: 'string', requiresArg: true, describe: 'with --shard/--shards: the datetime windows of `stacflow plan` (this shard searches its window) instead of the hash' })
    .implies('json', 'dry-run')
    .conflicts('dry-run', 'schedule') as Argv<T & RunArgs>;
}

/** `--set PATH=VALUE`, repeatable (run-pipeline, stacflow run, stacflow validate): src/config/overrides.ts. */
export function setOption<T>(yargs: Argv<T>): Argv<T & { set?: string[] }> {
  return yargs.option('set', {
    type: 'string',
    requiresArg: true,
    describe: 'change an option of the file: PATH=VALUE, VALUE in YAML (repeatable): --set source.stac_search.bbox=[3,4,5,6] --set steps.download.concurrency=16',
    coerce: (value: string | string[] | undefined) => (value === undefined ? undefined : [value].flat().map(String)),
  }) as Argv<T & { set?: string[] }>;
}

function scheduleOptions<T>(yargs: Argv<T>): Argv<T> {
  return yargs
    .option('schedule', { type: 'boolean', describe: "run at the times of the file's cron `schedule:` until SIGTERM/SIGINT, one run at a time" })
    .option('stop-timeout', {
      type: 'string',
      describe: 'with --schedule: on SIGTERM/SIGINT, let the current run finish this long (30s, 5m) before cancelling it (default: cancel at once)',
    })
    .implies('stop-timeout', 'schedule') as Argv<T>;
}

/** Runs the file once, or on its schedule; resolves to the exit code. Loads the engine only now. */
export async function runFile(args: RunFileArgs): Promise<number> {
  // A bad --shard/--shards/--plan is a usage error (exit 2) before a run, or a schedule, begins.
  const { shardSpecOf } = await import('../../shard/shard-run.js');
  shardSpecOf(args);
  if (args.schedule) {
    const { runOnSchedule } = await import('../schedule.js');
    return runOnSchedule(args);
  }
  const { runFromFile } = await import('../run-file.js');
  return runFromFile(args);
}

/** `stacflow run FILE`: the engine is loaded by the handler, so the other commands and --help never load it. */
export const runCommand: CommandModule<object, RunFileArgs> = {
  command: 'run <file>',
  describe: 'run a pipeline (same as run-pipeline FILE)',
  builder: (yargs) => runOptions(yargs),
  handler: async (args) => {
    process.exitCode = await runFile(args);
  },
};
