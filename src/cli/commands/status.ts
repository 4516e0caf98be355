import type { CommandModule } from 'yargs';
import { UsageError } from '../main.js';
import type { StatusArgs } from '../status-file.js';
import { setOption, shardOptions } from './run.js';

/** `stacflow status FILE`: the state's history, read only; the state module is loaded by the handler. */
export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status <file>',
  describe: "a pipeline's state: its last runs, the cursor, what failed and why, what is pending (read only)",
  builder: (yargs) =>
    setOption(shardOptions(yargs, "read the state of"))
      .positional('file', { type: 'string', describe: 'pipeline YAML file (with `state:`)', demandOption: true })
      .option('json', { type: 'boolean', describe: 'print the status as JSON, for scripts' })
      .option('runs', { type: 'number', default: 10, describe: 'how many runs to show, the most recent first' })
      .option('items', { type: 'number', default: 20, describe: 'how many failed and given-up items to list, the most recent first' })
      .check((args) => {
        const wrong = (['runs', 'items'] as const).find((key) => !Number.isSafeInteger(args[key]) || args[key] < 1);
        if (wrong !== undefined) throw new UsageError(`--${wrong}: expected a whole number of at least 1, got ${args[wrong]}`);
        return true;
      }),
  handler: async (args) => {
    const { shardSpecOf } = await import('../../shard/shard-run.js');
    shardSpecOf(args); // a bad --shard/--shards: exit 2
    const { statusOfFile } = await import('../status-file.js');
    process.exitCode = await statusOfFile(args);
  },
};
