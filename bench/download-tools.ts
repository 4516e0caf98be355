import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NODE_FLAGS } from '../src/runtime-flags.js';

/**
 * The two downloaders the bench compares, each run as its own process under GNU time, which reports the
 * process's peak RSS (`%M`: ru_maxrss from wait4, i.e. VmHWM at exit) and CPU time, one method for both tools.
 */

export const GNU_TIME = '/usr/bin/time';
export const RCLONE = 'rclone';

export interface ToolRun {
  /** Spawn to exit, as measured here. */
  startedMs: number;
  exitedMs: number;
  peakRssMb: number;
  /** User + system CPU seconds of the process (GNU time %U + %S). */
  cpuS: number;
  exitCode: number;
}

/** Runs `command args` under GNU time; rejects (with its stderr) when it exits non-zero. */
export async function runTimed(name: string, command: string, args: string[], options: { env: NodeJS.ProcessEnv; dir: string }): Promise<ToolRun> {
  const timeFile = path.join(options.dir, `${name}.time`);
  const startedMs = Date.now();
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve, reject) => {
    const child = spawn(GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, command, ...args], { env: options.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (exitCode) => resolve({ code: exitCode ?? 1, stderr }));
  });
  const exitedMs = Date.now();
  if (code !== 0) throw new Error(`${name} exited ${code}: ${command} ${args.join(' ')}\n${stderr.slice(-4000)}`);
  const lines = (await readFile(timeFile, 'utf8')).trim().split('\n');
  const [kb, user, system] = (lines.at(-1) ?? '').split(' ').map(Number);
  if (![kb, user, system].every((n) => Number.isFinite(n))) throw new Error(`${GNU_TIME} wrote ${JSON.stringify(lines)}, expected "peak-RSS-KB user-s system-s"`);
  return { startedMs, exitedMs, peakRssMb: Math.round(kb! / 102.4) / 10, cpuS: user! + system!, exitCode: code };
}

export interface Budget {
  /** stacflow `concurrency` (objects in flight) and rclone `--transfers`. */
  transfers: number;
  /** stacflow `max_requests` (all requests, ranged parts included). */
  maxRequests: number;
  /** rclone `--multi-thread-streams` (per object over its cutoff). */
  streams: number;
  /** rclone `--multi-thread-cutoff` (its default 250M = 250 MiB). */
  rcloneCutoff: string;
  /** stacflow `multipart_threshold` and `part_size`. */
  multipartThreshold: string;
  partSize: string;
}

/** The pipeline stacflow runs: search the bench's sandbox collection, download every image into `dest`. */
export function benchPipelineYaml(options: { api: string; collection: string; items: number; s3Endpoint: string; dest: string; csv: string; budget: Budget }): string {
  const { budget } = options;
  return `name: bench-download
s3: { region: us-west-2, anonymous: true, endpoint: "${options.s3Endpoint}" }
source:
  stac_search: { api: "${options.api}", collections: [${options.collection}], limit: ${Math.min(options.items, 250)}, max_items: ${options.items} }
steps:
  - download:
      assets: [image]
      to: "${options.dest}/{collection}/{id}/"
      concurrency: ${budget.transfers}
      max_requests: ${budget.maxRequests}
      multipart_threshold: ${budget.multipartThreshold}
      part_size: ${budget.partSize}
outputs:
  - csv: { path: "${options.csv}" }
`;
}

/**
 * `node <NODE_FLAGS> bin/run-pipeline.js FILE`: the CLI as its bin runs it (compiled, in dist/, as `npm run bench`
 * builds it). `cpuProfileDir`: a V8 CPU profile of each run is written there (the profiler's cost inflates the figures).
 */
export function stacflowCommand(packageRoot: string, pipelineFile: string, reportFile: string, cpuProfileDir?: string): { command: string; args: string[] } {
  const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
  return { command: process.execPath, args: [...NODE_FLAGS, ...profile, path.join(packageRoot, 'bin', 'run-pipeline.js'), pipelineFile, '--report', reportFile, '--quiet'] };
}

/**
 * `rclone copy --files-from LIST :s3:BUCKET DEST --no-traverse` with the s3 backend configured from the environment
 * (provider Other, the local endpoint, path style, anonymous, no bucket check) and an empty config file, so
 * the user's rclone.conf plays no part. AWS_CA_BUNDLE is removed: it breaks rclone on this machine. Over HTTPS,
 * `caCert` is the endpoint's certificate (--ca-cert).
 */
export async function rcloneCommand(options: { endpoint: string; bucket: string; list: string; dest: string; dir: string; budget: Budget; caCert?: string }): Promise<{ command: string; args: string[]; env: NodeJS.ProcessEnv }> {
  const config = path.join(options.dir, 'rclone.conf');
  await writeFile(config, '');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RCLONE_CONFIG: config,
    RCLONE_S3_PROVIDER: 'Other',
    RCLONE_S3_ENDPOINT: options.endpoint,
    RCLONE_S3_FORCE_PATH_STYLE: 'true',
    RCLONE_S3_NO_CHECK_BUCKET: 'true',
    RCLONE_S3_ENV_AUTH: 'false',
  };
  delete env.AWS_CA_BUNDLE;
  const { budget } = options;
  return {
    command: RCLONE,
    args: [
      'copy',
      '--files-from',
      options.list,
      `:s3:${options.bucket}`,
      options.dest,
      // Without it rclone lists the bucket from its root (nginx cannot list; S3 would) to find the keys;
      // with it, it HEADs each key of the list, as stacflow does.
      '--no-traverse',
      '--transfers',
      String(budget.transfers),
      '--multi-thread-streams',
      String(budget.streams),
      '--multi-thread-cutoff',
      budget.rcloneCutoff,
      '--retries', // whole-run retries (default 3): a broken setup fails at once instead of three times
      '1',
      ...(options.caCert ? ['--ca-cert', options.caCert] : []),
      '--stats',
      '0',
      '-q',
    ],
    env,
  };
}

/** What the bench needs installed, or the line that installs it. */
export function missingTools(nginx: string): string | undefined {
  const missing = [
    existsSync(nginx) ? undefined : 'nginx-light',
    onPath(RCLONE) ? undefined : 'rclone',
    existsSync(GNU_TIME) ? undefined : 'time',
  ].filter(Boolean);
  return missing.length > 0 ? `apt-get install -y ${missing.join(' ')}` : undefined;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, command)));
}
