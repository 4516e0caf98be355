import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { VERSION } from '../version.js';
import { runFile, runOptions, type RunFileArgs } from './commands/run.js';
import { failAsUsageError, runMain } from './main.js';

/** `run-pipeline FILE`: the main job. Exit codes: 0 done, 2 invalid pipeline, 3 some items failed, 1 aborted. */
export function runPipelineCli(argv: string[]): Argv<RunFileArgs> {
  return runOptions(
    failAsUsageError(yargs(argv), { bin: 'run-pipeline', argv })
      .scriptName('run-pipeline')
      .usage('$0 <file>\n\nRun a stacflow pipeline file: search, read labels, filter, download, write catalogs.')
      .version(VERSION)
      .command('$0 <file>', false)
      .strict()
      .help(),
  );
}

/** The bin's entry point. */
export const main = (argv = hideBin(process.argv)): Promise<void> =>
  runMain(async () => {
    process.exitCode = await runFile(await runPipelineCli(argv).parseAsync());
  });
