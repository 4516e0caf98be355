import type { CommandModule } from 'yargs';
import type { PlanArgs } from '../shard-plan.js';
import { UsageError } from '../main.js';
import { setOption } from './run.js';

/** `stacflow plan FILE --shards N`: datetime windows for a sharded run; the planner is loaded by the handler. */
export const planCommand: CommandModule<object, PlanArgs> = {
  command: 'plan <file>',
  describe: "split a pipeline's search into N datetime windows of near-equal counts (numberMatched), for --shard I/N --plan",
  builder: (yargs) =>
    setOption(yargs)
      .positional('file', { type: 'string', describe: 'pipeline YAML file (a stac_search source)', demandOption: true })
      .option('shards', { type: 'number', demandOption: true, describe: 'number of windows (shards) to cut the search into' })
      .option('out', { type: 'string', describe: 'where to write the plan (JSON); default <pipeline name>.plan.json; --out=- for standard output' })
      .option('max-requests', { type: 'number', describe: 'most HTTP requests the plan may make (default 40 + 16 per shard)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'print no table' })
      .check((args) => {
        if (!Number.isSafeInteger(args.shards) || args.shards < 1 || args.shards > 100_000) throw new UsageError(`--shards: expected a whole number from 1 to 100000, got ${args.shards}`);
        const max = args.maxRequests as number | undefined;
        if (max !== undefined && !(Number.isSafeInteger(max) && max >= 4)) throw new UsageError(`--max-requests: expected a whole number of at least 4, got ${max}`);
        return true;
      })
      .example('$0 plan pipelines/kaguya-tc.yaml --shards 64 --out kaguya-tc.plan.json', '64 windows; then each shard: run-pipeline pipelines/kaguya-tc.yaml --shard I/64 --plan kaguya-tc.plan.json') as never,
  handler: async (args) => {
    const { planFromFile } = await import('../shard-plan.js');
    process.exitCode = await planFromFile(args);
  },
};
