import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/package-root.js';
import { envNumber, startChild } from './child.js';
import { benchPipelineYaml, GNU_TIME, RCLONE, rcloneCommand, runTimed, stacflowCommand, type Budget, type ToolRun } from './download-tools.js';

/**
 * `npm run bench -- download-concurrency` (issue 13, point 6): which `download` concurrency to default to.
 * The same small objects (the sandbox's images, 64 KiB) from the sandbox S3 at 20 ms latency, as a real
 * bucket answers: stacflow's `download` at each concurrency (4, 8, 16; `max_requests` 16, its default) and
 * `rclone copy --files-from` at the `--transfers` the printed manifest command uses (16), alternating, each
 * into an empty folder, each checked afterwards (every file there, with its size). At this size a copy is
 * round trips (a HEAD and a GET each), so objects/s is bounded by in-flight ÷ (2 × latency).
 *
 * Prints per run kind: best wall (spawn to exit, the STAC search included), the download stage's own time
 * (stacflow's run report), CPU seconds and CPU ms per object (GNU time: user + system), peak RSS.
 *
 * Env: BENCH_DLC_ITEMS (1496, the count), BENCH_DLC_LATENCY_MS (20), BENCH_DLC_LEVELS (`4,8,16`),
 * BENCH_DLC_RCLONE (`16`: rclone --transfers, comma-separated; empty: no rclone), BENCH_DLC_ROUNDS (2),
 * BENCH_DLC_IMAGE_BYTES (65536).
 */

const COLLECTION = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
const SEED = 13;

interface Kind {
  tool: 'stacflow' | 'rclone';
  concurrency: number;
}

interface Figures {
  kind: Kind;
  run: ToolRun;
  /** stacflow: the download stage's duration from the run report. */
  stageS?: number;
}

export async function benchDownloadConcurrency(): Promise<string> {
  if (!existsSync(GNU_TIME) || spawnSync(RCLONE, ['version']).status !== 0) throw new Error('the download-concurrency bench needs rclone and GNU time: apt-get install -y rclone time');
  const items = envNumber('BENCH_DLC_ITEMS', 1496);
  const latencyMs = envNumber('BENCH_DLC_LATENCY_MS', 20);
  const rounds = Math.max(1, envNumber('BENCH_DLC_ROUNDS', 2));
  const imageBytes = envNumber('BENCH_DLC_IMAGE_BYTES', 64 * 1024);
  const levels = counts(process.env.BENCH_DLC_LEVELS ?? '4,8,16', 'BENCH_DLC_LEVELS');
  const rcloneLevels = counts(process.env.BENCH_DLC_RCLONE ?? '16', 'BENCH_DLC_RCLONE');
  const kinds: Kind[] = [...levels.map((c) => ({ tool: 'stacflow' as const, concurrency: c })), ...rcloneLevels.map((c) => ({ tool: 'rclone' as const, concurrency: c }))];

  const tmp = await mkdtemp(path.join(tmpdir(), 'stacflow-bench-dlc-'));
  process.stderr.write(`download-concurrency bench: ${items} objects of ${imageBytes} B at ${latencyMs} ms latency\n`);
  // Every object written up front; plain GETs answered from memory (s3rver's own CPU would be the bound).
  const { ready, child } = await startChild<{ url: string; s3Endpoint: string }>('labels-sandbox-process', {
    seed: SEED, collections: [{ id: COLLECTION, items }], s3: { objects: 'all', imageBytes, latencyMs, memoryReads: true },
  });
  const load = loadavg()[0]!;
  const dest = path.join(tmp, 'dest');
  const budgetFor = (concurrency: number): Budget => ({ transfers: concurrency, maxRequests: Math.max(16, concurrency), streams: 4, rcloneCutoff: '250M', multipartThreshold: '64MiB', partSize: '16MiB' });
  try {
    // rclone's list comes from stacflow's own rclone_manifest of the same search (untimed; warms the API too).
    const list = await manifestList(tmp, ready, items);
    const all: Figures[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? kinds : [...kinds].reverse();
      for (const kind of order) {
        await rm(dest, { recursive: true, force: true });
        await mkdir(dest, { recursive: true });
        const budget = budgetFor(kind.concurrency);
        let figures: Figures;
        if (kind.tool === 'stacflow') {
          const file = path.join(tmp, `dlc-${kind.concurrency}.yaml`);
          const report = path.join(tmp, `dlc-${kind.concurrency}.report.json`);
          await writeFile(file, benchPipelineYaml({ api: ready.url, collection: COLLECTION, items, s3Endpoint: ready.s3Endpoint, dest, csv: path.join(tmp, 'dlc.csv'), budget }));
          const command = stacflowCommand(PACKAGE_ROOT, file, report);
          const run = await runTimed('stacflow', command.command, command.args, { env: process.env, dir: tmp });
          figures = { kind, run, stageS: await downloadStageSeconds(report) };
        } else {
          const rclone = await rcloneCommand({ endpoint: ready.s3Endpoint, bucket: list.bucket, list: list.path, dest, dir: tmp, budget });
          figures = { kind, run: await runTimed('rclone', rclone.command, rclone.args, { env: rclone.env, dir: tmp }) };
        }
        const found = await filesUnder(dest);
        if (found.count !== items || found.bytes !== items * imageBytes) {
          throw new Error(`${label(kind)} round ${round + 1}: ${found.count} files, ${found.bytes} B in ${dest}; expected ${items} of ${imageBytes} B`);
        }
        all.push(figures);
        process.stderr.write(`done: round ${round + 1} ${label(kind)}: ${((figures.run.exitedMs - figures.run.startedMs) / 1000).toFixed(1)} s, ${figures.run.cpuS.toFixed(2)} CPU s\n`);
      }
    }
    return format(all, kinds, { items, imageBytes, latencyMs, rounds, load });
  } finally {
    child.kill('SIGTERM');
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Runs search → rclone_manifest once; the bucket's --files-from list it wrote. */
async function manifestList(tmp: string, sandbox: { url: string; s3Endpoint: string }, items: number): Promise<{ bucket: string; path: string }> {
  const file = path.join(tmp, 'dlc-manifest.yaml');
  const report = path.join(tmp, 'dlc-manifest.report.json');
  await writeFile(
    file,
    `name: dlc-manifest
s3: { region: us-west-2, anonymous: true, endpoint: "${sandbox.s3Endpoint}" }
source:
  stac_search: { api: "${sandbox.url}", collections: [${COLLECTION}], limit: 250, max_items: ${items} }
steps:
  - rclone_manifest: { assets: [image], path: "${path.join(tmp, 'manifest.txt')}" }
`,
  );
  const command = stacflowCommand(PACKAGE_ROOT, file, report);
  await runTimed('manifest', command.command, command.args, { env: process.env, dir: tmp });
  const parsed = JSON.parse(await readFile(report, 'utf8')) as { outputs?: Record<string, { lists?: Record<string, string> }> };
  const lists = Object.values(parsed.outputs ?? {}).flatMap((o) => Object.entries(o.lists ?? {}));
  if (lists.length !== 1) throw new Error(`the manifest run gave ${lists.length} bucket lists, expected 1: ${report}`);
  const [bucket, list] = lists[0]!;
  return { bucket, path: list };
}

async function downloadStageSeconds(reportFile: string): Promise<number | undefined> {
  const report = JSON.parse(await readFile(reportFile, 'utf8')) as { stages: Array<{ label: string; duration_s: number | null }> };
  return report.stages.find((s) => s.label.includes('download'))?.duration_s ?? undefined;
}

/** Files (sidecars `.*` and `*.part` left out) and their bytes, under `dir`. */
async function filesUnder(dir: string): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.') || entry.name.endsWith('.part')) continue;
    count += 1;
    bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return { count, bytes };
}

const label = (kind: Kind): string => `${kind.tool} ${kind.tool === 'rclone' ? '--transfers' : 'concurrency'} ${kind.concurrency}`;

function format(all: Figures[], kinds: Kind[], setup: { items: number; imageBytes: number; latencyMs: number; rounds: number; load: number }): string {
  const rows = kinds.map((kind) => {
    const runs = all.filter((f) => f.kind === kind);
    const wall = (f: Figures) => (f.run.exitedMs - f.run.startedMs) / 1000;
    const best = runs.reduce((a, b) => (wall(b) < wall(a) ? b : a));
    const cpu = Math.min(...runs.map((f) => f.run.cpuS));
    const stage = runs.map((f) => f.stageS).filter((s): s is number => s !== undefined);
    return [
      `  ${label(kind).padEnd(26)}`,
      wall(best).toFixed(1).padStart(7),
      (stage.length > 0 ? Math.min(...stage).toFixed(1) : '-').padStart(8),
      (setup.items / wall(best)).toFixed(0).padStart(9),
      cpu.toFixed(2).padStart(6),
      ((cpu * 1000) / setup.items).toFixed(2).padStart(10),
      Math.max(...runs.map((f) => f.run.peakRssMb)).toFixed(0).padStart(7),
    ].join('  ');
  });
  return [
    `download concurrency: ${setup.items} objects of ${setup.imageBytes} B from the sandbox S3 at ${setup.latencyMs} ms latency (HEAD + GET each), best of ${setup.rounds}; load average ${setup.load.toFixed(1)} at start`,
    '  run                          wall s   stage s   objects/s  CPU s  CPU ms/obj  RSS MB',
    ...rows,
    'wall: spawn to exit (stacflow: the STAC search included; stage: its download stage alone). CPU: user + system of the process (GNU time), the lowest of the rounds.',
    '',
  ].join('\n');
}

function counts(text: string, variable: string): number[] {
  const values = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (values.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${variable}=${text}: expected positive integers, comma-separated`);
  return values;
}
