import { createHash } from 'node:crypto';
import path from 'node:path';
import { StacflowError } from '../errors.js';

/**
 * Which part of a sharded run this process is (`--shard I/N`, or `--shards N` with the index the scheduler
 * gives: a Kubernetes Indexed Job's `JOB_COMPLETION_INDEX`, an AWS Batch array child's
 * `AWS_BATCH_JOB_ARRAY_INDEX`). Shards are numbered from 0, as both schedulers number them.
 */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
  /** Where the index came from, for logs and the report. */
  readonly from: ShardIndexSource;
}

export type ShardIndexSource = 'flag' | 'JOB_COMPLETION_INDEX' | 'AWS_BATCH_JOB_ARRAY_INDEX';

/** The schedulers' own bounds: an Indexed Job takes up to 100,000 completions (AWS Batch 10,000 children). */
export const MAX_SHARDS = 100_000;

/** The environment variables that carry a shard's index, in the order they are read. */
export const SHARD_INDEX_VARIABLES = ['JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX'] as const;

/** A shard option that cannot be used: exit 2 (src/cli/main.ts counts ERR_USAGE as invalid use). */
export class ShardUsageError extends StacflowError {
  constructor(message: string) {
    super('ERR_USAGE', message, { errorClass: 'fatal' });
  }
}

/**
 * The shard of this process from the command line and the environment, or undefined for an unsharded run.
 * `--shard 7/64` names both; `--shards 64` takes the index from JOB_COMPLETION_INDEX or
 * AWS_BATCH_JOB_ARRAY_INDEX (an error when neither is set: a shard must never guess its index).
 */
export function shardFrom(args: { shard?: string; shards?: number }, env: NodeJS.ProcessEnv = process.env): ShardSpec | undefined {
  if (args.shard !== undefined) {
    const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(args.shard);
    if (!match) throw new ShardUsageError(`--shard: expected INDEX/COUNT such as 7/64 (shards are numbered from 0), got "${args.shard}"`);
    const spec = checked(Number(match[1]), Number(match[2]), 'flag', '--shard');
    if (args.shards !== undefined && args.shards !== spec.count) throw new ShardUsageError(`--shard ${args.shard} and --shards ${args.shards} disagree on the number of shards`);
    return spec;
  }
  if (args.shards === undefined) return undefined;
  for (const name of SHARD_INDEX_VARIABLES) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (!/^\d+$/.test(value.trim())) throw new ShardUsageError(`${name}=${value}: expected a shard index (0, 1, ...)`);
    return checked(Number(value.trim()), args.shards, name, name);
  }
  throw new ShardUsageError(
    `--shards ${args.shards}: no shard index: set JOB_COMPLETION_INDEX (a Kubernetes Indexed Job does) or AWS_BATCH_JOB_ARRAY_INDEX (an AWS Batch array job does), or give --shard I/${args.shards}`,
  );
}

function checked(index: number, count: number, from: ShardIndexSource, said: string): ShardSpec {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SHARDS) throw new ShardUsageError(`${said}: the number of shards must be 1 to ${MAX_SHARDS}, got ${count}`);
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) throw new ShardUsageError(`${said}: shard index ${index} is not in 0..${count - 1} (shards are numbered from 0)`);
  return { index, count, from };
}

/** `shard-0007-of-0064`: zero-padded so that the files of one run sort in shard order. */
export function shardTag(spec: Pick<ShardSpec, 'index' | 'count'>): string {
  const width = Math.max(4, String(spec.count).length);
  return `shard-${String(spec.index).padStart(width, '0')}-of-${String(spec.count).padStart(width, '0')}`;
}

/** Suffixes kept whole after the shard tag (`kaguya-tc.report.json` → `kaguya-tc.shard-0007-of-0064.report.json`). */
const COMPOUND_EXTENSIONS = ['.report.json', '.report.html', '.plan.json', '.csv.gz', '.ndjson.gz', '.geojson.gz', '.json.gz', '.tar.gz'];

/**
 * A shard's own file for a path the pipeline names: the tag goes before the extension
 * (`out/kaguya-tc.parquet` → `out/kaguya-tc.shard-0007-of-0064.parquet`). Standard output (`-`) and devices
 * are shared as they are; a path without an extension gets the tag at its end.
 */
export function shardPath(file: string, spec: Pick<ShardSpec, 'index' | 'count'>): string {
  if (file === '-' || file === '' || file.startsWith('/dev/')) return file;
  // The last segment only, the rest kept as written: relative stays relative, `./` is kept, and a URL
  // (`s3://bucket/out/x.csv`) is not folded by path.join.
  const slash = Math.max(file.lastIndexOf('/'), path.sep === '/' ? -1 : file.lastIndexOf(path.sep));
  const dir = file.slice(0, slash + 1);
  const base = file.slice(slash + 1);
  if (base === '' || base === '.' || base === '..') return `${file}${file.endsWith('/') ? '' : '/'}${shardTag(spec)}`;
  const lower = base.toLowerCase();
  let ext = COMPOUND_EXTENSIONS.find((suffix) => lower.endsWith(suffix) && lower.length > suffix.length) ?? path.extname(base);
  if (ext === base) ext = '';
  const stem = base.slice(0, base.length - ext.length);
  return `${dir}${stem}.${shardTag(spec)}${ext}`;
}

/**
 * The shard an item belongs to: the first 6 bytes of SHA-256(`collection/id`), big-endian, modulo the number
 * of shards. Stable across runs, machines and API orders, and reproducible elsewhere:
 * Python `int.from_bytes(hashlib.sha256(f"{collection}/{id}".encode()).digest()[:6], "big") % n`.
 * An item without a collection hashes as `/id`.
 */
export function shardOfItem(collection: string | undefined, id: string, count: number): number {
  if (count === 1) return 0;
  const digest = createHash('sha256').update(`${collection ?? ''}/${id}`).digest();
  return digest.readUIntBE(0, 6) % count;
}
