import type { CommandModule } from 'yargs';
import { DEFAULT_ITEMS_PER_COLLECTION, startSandbox } from './index.js';

export interface SandboxArgs {
  port: number;
  host: string;
  seed: number;
  'items-per-collection': number;
  'latency-ms': number;
  'failure-rate': number;
}

/**
 * `stacflow sandbox`: serves the sandbox STAC API until interrupted, e.g.
 *
 *     stacflow sandbox --port 8080 --items-per-collection 70000
 *     export STAC_API_URL=http://127.0.0.1:8080/
 */
export const sandboxCommand: CommandModule<object, SandboxArgs> = {
  command: 'sandbox',
  describe: 'serve a STAC API on 127.0.0.1 that answers as the USGS one, with generated Kaguya TC items (for demos, tests, benchmarks)',
  builder: (yargs) =>
    yargs
      .option('port', { type: 'number', default: 0, describe: 'port to listen on (0: any free port)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
      .option('seed', { type: 'number', default: 42, describe: 'catalog seed: same seed, same items' })
      .option('items-per-collection', { type: 'number', default: DEFAULT_ITEMS_PER_COLLECTION, describe: 'items in each of the three Kaguya TC collections' })
      .option('latency-ms', { type: 'number', default: 0, describe: 'delay added to every answer' })
      .option('failure-rate', { type: 'number', default: 0, describe: 'share of requests (0-1) answered 503 Service Unavailable' })
      .check((args) => {
        if (!(args['failure-rate'] >= 0 && args['failure-rate'] <= 1)) throw new Error(`--failure-rate must be between 0 and 1, got ${args['failure-rate']}`);
        if (!(args['items-per-collection'] >= 0)) throw new Error(`--items-per-collection must be 0 or more, got ${args['items-per-collection']}`);
        return true;
      }),
  handler: async (args) => {
    const sandbox = await startSandbox({
      port: args.port,
      host: args.host,
      seed: args.seed,
      itemsPerCollection: args['items-per-collection'],
      latencyMs: args['latency-ms'],
      failureRate: args['failure-rate'],
    });
    process.stdout.write(
      `sandbox STAC API on ${sandbox.url} (${sandbox.catalog.size} items in ${sandbox.catalog.collections.length} collections, seed ${args.seed})\n`
      + `export STAC_API_URL=${sandbox.url}\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await sandbox.close();
    process.stderr.write('sandbox stopped\n');
  },
};
