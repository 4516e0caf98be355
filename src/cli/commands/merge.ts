import type { CommandModule } from 'yargs';
import { UsageError } from '../main.js';
import { setOption } from './run.js';

export interface MergeArgs {
  file: string;
  shards?: number;
  set?: string[];
  report?: string;
  partial?: boolean;
  quiet?: boolean;
}

/** `stacflow merge FILE`: the merge (src/merge/) is loaded by the handler only. */
export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <file>',
  describe: "merge a sharded run: check every shard's report, then write the pipeline's catalogs and one run report from the shards' files",
  builder: (yargs) =>
    setOption(
      yargs
        .positional('file', { type: 'string', demandOption: true, describe: 'pipeline YAML file the shards ran' })
        .option('shards', { type: 'number', requiresArg: true, describe: "the number of shards N (default: found from the shards' report names)" })
        .option('report', { type: 'string', requiresArg: true, describe: "where to write the merged run report (default: the pipeline's report path)" })
        .option('partial', { type: 'boolean', describe: 'merge the shards that completed though some are missing or aborted (said loudly; the report says partial; exit 1 still)' })
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'log errors only' })
        .check((args) => {
          if (args.shards !== undefined && !(Number.isSafeInteger(args.shards) && args.shards >= 1)) throw new UsageError(`--shards: expected a whole number of at least 1, got ${args.shards}`);
          return true;
        }),
    ),
  handler: async (args) => {
    const { mergeFromFile } = await import('../merge-file.js');
    process.exitCode = await mergeFromFile(args);
  },
};
