import yargs, { type Argv, type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { VERSION } from '../version.js';
import { collectionsCommand } from './commands/collections.js';
import { cql2Command } from './commands/cql2.js';
import { demoCommand } from './commands/demo.js';
import { mergeCommand } from './commands/merge.js';
import { keepStdinDash, pvlCommand } from './commands/pvl.js';
import { planCommand } from './commands/plan.js';
import { runCommand } from './commands/run.js';
import { sandboxCommand } from './commands/sandbox.js';
import { schemaCommand } from './commands/schema.js';
import { searchCommand } from './commands/search.js';
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
  const commands = [runCommand, searchCommand, collectionsCommand, validateCommand, statusCommand, planCommand, mergeCommand, stagesCommand, schemaCommand, pvlCommand, cql2Command, sandboxCommand, demoCommand];
  const names = commands.map((c) => String(c.command).split(' ')[0]);
  let cli = failAsUsageError(yargs(keepStdinDash(argv)), { bin: 'stacflow', argv, commands: names }).scriptName('stacflow').version(VERSION);
  for (const command of commands) cli = cli.command(command as CommandModule);
  return cli
    .demandCommand(1, 'name a command (stacflow --help lists them)')
    .strict()
    .help()
    .wrap(Math.min(120, process.stdout.columns ?? 100));
}

/** The bin's entry point. */
export const main = (argv = hideBin(process.argv)): Promise<void> => runMain(() => stacflowCli(argv).parseAsync());
