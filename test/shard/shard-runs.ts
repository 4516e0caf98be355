/** Helpers for the sharded-run tests: a pipeline against the sandbox, run as the bin runs, and what it wrote. */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Sandbox } from '../../sandbox/index.js';
import { ROOT } from '../cli/run-bin.js';
import { readLines } from '../catalog/catalog-run.js';
import type { RunReport } from '../../src/engine/report.js';

export const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
export const STEREO = 'kaguya_terrain_camera_stereoscopic_uncontrolled_observations';

/**
 * A pipeline with labels, a filter, downloads and an rclone manifest, every path relative, so that runs in
 * different folders write the same paths into their rows (`file:local_path`).
 */
export async function writeShardPipeline(dir: string, sandbox: Sandbox, options: { state?: boolean; limit?: number } = {}): Promise<string> {
  const file = path.join(dir, 'p.yaml');
  await writeFile(
    file,
    [
      'name: sharded',
      ...(options.state ? ['state: .stacflow/sharded.sqlite'] : []),
      `s3: { region: us-west-2, anonymous: true, endpoint: "${sandbox.s3Endpoint}" }`,
      `source: { stac_search: { api: "${sandbox.url}", collections: [${MONO}, ${STEREO}], limit: ${options.limit ?? 20} } }`,
      'steps:',
      '  - fetch_label: { asset: caminfo_pvl, as: caminfo, concurrency: 8 }',
      '  - select: { incidence_angle: caminfo.Caminfo.Geometry.IncidenceAngle }',
      '  - filter: "incidence_angle < 80"',
      '  - download: { assets: [image], to: "data/{collection}/{id}/", concurrency: 4 }',
      '  - rclone_manifest: { assets: [image], path: out/images.txt }',
      'outputs:',
      '  - ndjson: { path: out/items.ndjson }',
      '  - csv: { path: out/items.csv }',
      '',
    ].join('\n'),
  );
  return file;
}

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** One run of the built run-pipeline bin in `dir`, with a watchdog; SIGKILLed after `killAfterMs` when given. */
/**
 * Runs the bin in `dir`; `kill`: SIGKILL it after that many ms, or once the function says so (polled every 20 ms:
 * a kill that waits for the child's own progress, whatever the machine's speed).
 */
export function runPipelineBin(dir: string, args: string[], env: Record<string, string> = {}, kill?: number | (() => boolean)): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const clean: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
    delete clean.JOB_COMPLETION_INDEX;
    delete clean.AWS_BATCH_JOB_ARRAY_INDEX;
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run-pipeline.js'), ...args], { cwd: dir, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 50_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer =
      kill === undefined
        ? undefined
        : typeof kill === 'number'
          ? setTimeout(() => child.kill('SIGKILL'), kill)
          : setInterval(() => {
              if (kill()) child.kill('SIGKILL');
            }, 20);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export const readReport = async (file: string): Promise<RunReport> => JSON.parse(await readFile(file, 'utf8')) as RunReport;

/** The ids of an NDJSON catalog, sorted. */
export const ndjsonIds = async (file: string): Promise<string[]> => (await readLines(file)).map((line) => (JSON.parse(line) as { id: string }).id).sort();

/** A CSV's header and its rows as a sorted list (rows compared as sets: their order follows the shards). */
export async function csvRows(file: string): Promise<{ header: string; rows: string[] }> {
  const [header, ...rows] = await readLines(file);
  return { header: header ?? '', rows: rows.sort() };
}
