import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { VERSION } from '../version.js';
import { cql2Command } from './commands/cql2.js';
import { demoCommand } from './commands/demo.js';
import { keepStdinDash, pvlCommand } from './commands/pvl.js';
import { runCommand } from './commands/run.js';
import { sandboxCommand } from './commands/sandbox.js';
import { schemaCommand } from './commands/schema.js';
import { stagesCommand } from './commands/stages.js';
import { statusCommand } from './commands/status.js';
import { validateCommand } from './commands/validate.js';
import { failAsUsageError, runMain } from './main.js';

/**
 * The `stacflow` CLI; exported so tests drive the same parser. Each command module holds its options only;
 * its handler imports the work (stages, engine, parser, sandbox), so `--help` and each command load no more
 * than they use (test/cli/startup.test.ts).
 */
export function stacflowCli(argv: string[]): Argv {
  return failAsUsageError(yargs(keepStdinDash(argv)))
    .scriptName('stacflow')
    .version(VERSION)
    .command(runCommand)
    .command(validateCommand)
    .command(statusCommand)
    .command(stagesCommand)
    .command(schemaCommand)
    .command(pvlCommand)
    .command(cql2Command)
    .command(sandboxCommand)
    .command(demoCommand)
    .demandCommand(1, 'name a command (stacflow --help lists them)')
    .strict()
    .help()
    .wrap(Math.min(120, process.stdout.columns ?? 100));
}

/** The bin's entry point. */
export const main = (argv = hideBin(process.argv)): Promise<void> => runMain(() => stacflowCli(argv).parseAsync());
