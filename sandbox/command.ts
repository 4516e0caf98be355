import type { Argv } from 'yargs';
import { DEFAULT_MAX_STALL_MS } from './body-faults.js';
import { DEFAULT_ITEMS_PER_COLLECTION, startSandbox } from './index.js';
import { FAULT_KINDS, parseFaultKinds } from './random-faults.js';
import { DEFAULT_IMAGE_BYTES, type SandboxS3Options } from './s3/index.js';

export interface SandboxArgs {
  port: number;
  host: string;
  seed: number;
  'items-per-collection': number;
  'latency-ms': number;
  'failure-rate'?: number;
  'fault-rate'?: number;
  'fault-kinds': string;
  'max-stall-ms': number;
  s3: boolean;
  's3-latency-ms': number;
  's3-port': number;
  'image-bytes': number;
  's3-objects'?: string;
}

/**
 * `stacflow sandbox`: serves the sandbox STAC API until interrupted, e.g.
 *
 *     stacflow sandbox --port 8080 --items-per-collection 70000
 *     stacflow sandbox --fault-rate 0.1 --fault-kinds 503,429,reset,truncate,stall   # a run through faults
 *     export STAC_API_URL=http://127.0.0.1:8080/
 *     export S3_ENDPOINT=http://127.0.0.1:41234
 *
 * The CLI's command (src/cli/commands/sandbox.ts) names it and loads this module only when it is run.
 */
export function sandboxOptions<T>(yargs: Argv<T>): Argv<T & SandboxArgs> {
  return yargs
    .option('port', { type: 'number', default: 0, describe: 'port to listen on (0: any free port)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
    .option('seed', { type: 'number', default: 42, describe: 'catalog seed: same seed, same items' })
    .option('items-per-collection', { type: 'number', default: DEFAULT_ITEMS_PER_COLLECTION, describe: 'items in each of the three Kaguya TC collections' })
    .option('latency-ms', { type: 'number', default: 0, describe: 'delay added to every STAC API answer (S3: --s3-latency-ms)' })
    .option('fault-rate', { type: 'number', describe: 'share of requests (0-1), to the API and to S3, that meet a fault of --fault-kinds; decided per request and attempt from --seed (a rerun meets the same faults), at most 3 attempts in a row' })
    .option('fault-kinds', { type: 'string', default: FAULT_KINDS.join(','), describe: 'faults --fault-rate draws from: 503 (with the server\'s error body), 429 (Retry-After: 1; S3: 503 SlowDown), reset (connection dropped before the answer), truncate (body cut short), stall (body stops, connection held open)' })
    .option('failure-rate', { type: 'number', describe: 'share of requests (0-1) answered 503 Service Unavailable: --fault-rate with --fault-kinds 503' })
    .option('max-stall-ms', { type: 'number', default: DEFAULT_MAX_STALL_MS, describe: 'longest a stalled answer holds its connection before the sandbox drops it' })
    .option('s3', { type: 'boolean', default: true, describe: 'also serve the items\' caminfo_pvl and image objects over S3 (--no-s3: STAC API only)' })
    .option('s3-port', { type: 'number', default: 0, describe: 'port of the S3 endpoint (0: any free port)' })
    .option('s3-latency-ms', { type: 'number', default: 0, describe: 'delay added to every S3 answer' })
    .option('image-bytes', { type: 'number', default: DEFAULT_IMAGE_BYTES, describe: 'size of each image object in bytes' })
    .option('s3-objects', { type: 'string', describe: 'items whose objects are written at startup (seen by listings): bbox (the tutorial\'s [3,4,5,6]), all, none or a number of items; default: up to 100 bbox items; the rest are made on first read' })
    .check((args) => {
      for (const name of ['failure-rate', 'fault-rate'] as const) {
        const rate = args[name];
        if (rate !== undefined && !(rate >= 0 && rate <= 1)) throw new Error(`--${name} must be between 0 and 1, got ${rate}`);
      }
      if (args['failure-rate'] !== undefined && args['fault-rate'] !== undefined) throw new Error('give --fault-rate (with --fault-kinds) or --failure-rate (503 only), not both');
      parseFaultKinds(args['fault-kinds']);
      if (!(args['max-stall-ms'] > 0)) throw new Error(`--max-stall-ms must be more than 0, got ${args['max-stall-ms']}`);
      if (!(args['s3-latency-ms'] >= 0)) throw new Error(`--s3-latency-ms must be 0 or more, got ${args['s3-latency-ms']}`);
      if (!(args['items-per-collection'] >= 0)) throw new Error(`--items-per-collection must be 0 or more, got ${args['items-per-collection']}`);
      if (!(Number.isSafeInteger(args['image-bytes']) && args['image-bytes'] >= 0)) throw new Error(`--image-bytes must be a whole number >= 0, got ${args['image-bytes']}`);
      if (args['s3-objects'] !== undefined) parseS3Objects(args['s3-objects']);
      return true;
    }) as Argv<T & SandboxArgs>;
}

/** Serves the sandbox until SIGINT or SIGTERM, then says which faults it met. */
export async function serveSandbox(args: SandboxArgs): Promise<void> {
  const sandbox = await startSandbox({
    port: args.port,
    host: args.host,
    seed: args.seed,
    itemsPerCollection: args['items-per-collection'],
    latencyMs: args['latency-ms'],
    failureRate: args['failure-rate'],
    faultRate: args['fault-rate'],
    faultKinds: parseFaultKinds(args['fault-kinds']),
    maxStallMs: args['max-stall-ms'],
    s3: {
      enabled: args.s3,
      port: args['s3-port'],
      latencyMs: args['s3-latency-ms'],
      imageBytes: args['image-bytes'],
      objects: args['s3-objects'] === undefined ? undefined : parseS3Objects(args['s3-objects']),
    },
  });
  const faulty = (args['fault-rate'] ?? 0) > 0 || (args['failure-rate'] ?? 0) > 0;
  process.stdout.write(
    `sandbox STAC API on ${sandbox.url} (${sandbox.catalog.size} items in ${sandbox.catalog.collections.length} collections, seed ${args.seed})\n`
    + (sandbox.s3 ? `sandbox S3 on ${sandbox.s3Endpoint} (bucket ${sandbox.s3.bucket}: caminfo_pvl and image objects, ${sandbox.s3.imageBytes} bytes an image)\n` : '')
    + (faulty ? `faults: ${args['fault-rate'] ?? args['failure-rate']} of requests (${args['fault-rate'] !== undefined ? args['fault-kinds'] : '503'}), per request and attempt from seed ${args.seed}\n` : '')
    + `catalog changes between runs: curl -X POST ${sandbox.url}_sandbox/changes -H 'content-type: application/json' -d '{"add": {"${sandbox.catalog.collections[0].id}": 10}, "touch": 5, "remove": 2}'\n`
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
  process.stderr.write(faulty ? `sandbox stopped; faults met: ${faultSummary(sandbox)}\n` : 'sandbox stopped\n');
}

/** `--s3-objects`: bbox, all, none or a whole number of items. */
function parseS3Objects(value: string): NonNullable<SandboxS3Options['objects']> {
  if (value === 'bbox' || value === 'all' || value === 'none') return value;
  if (/^\d+$/.test(value)) return Number(value);
  throw new Error(`--s3-objects must be bbox, all, none or a number of items, got ${value}`);
}

/** `API 503×2 reset×1, S3 truncate×3`: the faults met, by server and kind. */
function faultSummary(sandbox: { requests: Array<{ fault?: string }>; s3?: { requests: Array<{ fault?: string }> } }): string {
  const count = (log: Array<{ fault?: string }>) => {
    const kinds = new Map<string, number>();
    for (const { fault } of log) if (fault !== undefined) kinds.set(fault, (kinds.get(fault) ?? 0) + 1);
    return kinds.size === 0 ? 'none' : [...kinds].map(([kind, n]) => `${kind}×${n}`).join(' ');
  };
  return `API ${count(sandbox.requests)}${sandbox.s3 ? `, S3 ${count(sandbox.s3.requests)}` : ''}`;
}
