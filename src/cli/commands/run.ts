import type { Argv, CommandModule } from 'yargs';
import type { RunArgs } from '../run-file.js';

export type { RunArgs } from '../run-file.js';

/** Options shared by `run-pipeline FILE` and `stacflow run FILE`. */
export function runOptions<T>(yargs: Argv<T>): Argv<T & RunArgs> {
  return yargs
    .positional('file', { type: 'string', describe: 'pipeline YAML file', demandOption: true })
    .option('report', { type: 'string', describe: 'where to write the JSON run report (default: beside the first output)' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'log every page, retry and skipped item' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'log errors only, no summary' })
    .option('progress', { type: 'boolean', describe: 'progress lines on a TTY (default: on when stderr is a TTY)' }) as Argv<T & RunArgs>;
}

/** `stacflow run FILE`: the engine is loaded by the handler, so the other commands and --help never load it. */
export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <file>',
  describe: 'run a pipeline (same as run-pipeline FILE)',
  builder: (yargs) => runOptions(yargs),
  handler: async (args) => {
    const { runFromFile } = await import('../run-file.js');
    process.exitCode = await runFromFile(args);
  },
};
