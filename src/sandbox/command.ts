import type { CommandModule } from 'yargs';
import { DEFAULT_ITEMS_PER_COLLECTION, startSandbox } from './index.js';
import { DEFAULT_IMAGE_BYTES, type SandboxS3Options } from './s3/index.js';

export interface SandboxArgs {
  port: number;
  host: string;
  seed: number;
  'items-per-collection': number;
  'latency-ms': number;
  'failure-rate': number;
  s3: boolean;
  's3-port': number;
  'image-bytes': number;
  's3-objects'?: string;
}

/**
 * `stacflow sandbox`: serves the sandbox STAC API until interrupted, e.g.
 *
 *     stacflow sandbox --port 8080 --items-per-collection 70000
 *     export STAC_API_URL=http://127.0.0.1:8080/
 *     export S3_ENDPOINT=http://127.0.0.1:41234
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
      .option('s3', { type: 'boolean', default: true, describe: 'also serve the items\' caminfo_pvl and image objects over S3 (--no-s3: STAC API only)' })
      .option('s3-port', { type: 'number', default: 0, describe: 'port of the S3 endpoint (0: any free port)' })
      .option('image-bytes', { type: 'number', default: DEFAULT_IMAGE_BYTES, describe: 'size of each image object in bytes' })
      .option('s3-objects', { type: 'string', describe: 'items whose objects are written at startup (seen by listings): bbox (the tutorial\'s [3,4,5,6]), all, none or a number of items; default: up to 100 bbox items; the rest are made on first read' })
      .check((args) => {
        if (!(args['failure-rate'] >= 0 && args['failure-rate'] <= 1)) throw new Error(`--failure-rate must be between 0 and 1, got ${args['failure-rate']}`);
        if (!(args['items-per-collection'] >= 0)) throw new Error(`--items-per-collection must be 0 or more, got ${args['items-per-collection']}`);
        if (!(Number.isSafeInteger(args['image-bytes']) && args['image-bytes'] >= 0)) throw new Error(`--image-bytes must be a whole number >= 0, got ${args['image-bytes']}`);
        if (args['s3-objects'] !== undefined) parseS3Objects(args['s3-objects']);
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
      s3: { enabled: args.s3, port: args['s3-port'], imageBytes: args['image-bytes'], objects: args['s3-objects'] === undefined ? undefined : parseS3Objects(args['s3-objects']) },
    });
    process.stdout.write(
      `sandbox STAC API on ${sandbox.url} (${sandbox.catalog.size} items in ${sandbox.catalog.collections.length} collections, seed ${args.seed})\n`
      + (sandbox.s3 ? `sandbox S3 on ${sandbox.s3Endpoint} (bucket ${sandbox.s3.bucket}: caminfo_pvl and image objects, ${sandbox.s3.imageBytes} bytes an image)\n` : '')
      + `export STAC_API_URL=${sandbox.url}\n`
      + (sandbox.s3 ? `export S3_ENDPOINT=${sandbox.s3Endpoint}\n` : ''),
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

/** `--s3-objects`: bbox, all, none or a whole number of items. */
function parseS3Objects(value: string): NonNullable<SandboxS3Options['objects']> {
  if (value === 'bbox' || value === 'all' || value === 'none') return value;
  if (/^\d+$/.test(value)) return Number(value);
  throw new Error(`--s3-objects must be bbox, all, none or a number of items, got ${value}`);
}
