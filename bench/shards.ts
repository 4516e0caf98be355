import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KAGUYA_TC_COLLECTIONS } from '../sandbox/index.js';
import { PACKAGE_ROOT } from '../src/package-root.js';
import { shardPath } from '../src/shard/shard-spec.js';
import { envNumber, startChild } from './child.js';
import type { RequestCounts } from './incremental-sandbox-process.js';

/**
 * `npm run bench -- shards` (issue 14, point 6): BENCH_SHARDS_ITEMS (60,000) items over the three Kaguya TC
 * collections, the tutorial's chain without downloads (stac_search → fetch_label → select → filter → csv), run
 * as 1 shard, then 4 and 8 shards at once, each shard a `run-pipeline --shard I/N` process, all sharing this
 * machine's cores; sharded by hash (every shard pages the whole search) and by a datetime plan (`stacflow plan`:
 * every shard pages its window). The sandbox runs in its own process (bench/incremental-sandbox-process.ts),
 * API and S3 at BENCH_SHARDS_LATENCY_MS (20) a request, every label read once before the runs.
 *
 * Prints per run: the wall time of the whole (first start to last exit), each shard's wall time (slowest,
 * fastest), the API requests (search pages; the plan's own requests apart) and S3 label reads, from each
 * shard's run report and from the sandbox's own count; then the goals: the search pages of N shards ≤ N × one
 * search's pages, no shard paging more than the whole search, and the ratio of each run's wall to the 1-shard
 * run's, measured in this same run.
 *
 * Env: BENCH_SHARDS_ITEMS (60000), BENCH_SHARDS_LATENCY_MS (20), BENCH_SHARDS_LIMIT (page size, 100),
 * BENCH_SHARDS_CONCURRENCY (labels in flight per shard, 32), BENCH_SHARDS_COUNTS ("4,8").
 */

const n = (x: number): string => Math.round(x).toLocaleString('en-US');

interface ShardRun {
  index: number;
  seconds: number;
  pages: number;
  labels: number;
  kept: number;
  exitCode: number | null;
}

interface Measured {
  name: string;
  strategy: 'hash' | 'plan';
  shards: number;
  seconds: number;
  runs: ShardRun[];
  sandbox: RequestCounts;
  plan?: { seconds: number; requests: number; balance: number };
}

export async function benchShards(): Promise<string> {
  const items = envNumber('BENCH_SHARDS_ITEMS', 60_000);
  const latencyMs = envNumber('BENCH_SHARDS_LATENCY_MS', 20);
  const limit = envNumber('BENCH_SHARDS_LIMIT', 100);
  const concurrency = envNumber('BENCH_SHARDS_CONCURRENCY', 32);
  const counts = (process.env.BENCH_SHARDS_COUNTS ?? '4,8').split(',').map(Number);
  const collections = KAGUYA_TC_COLLECTIONS.map((id, i) => ({ id, items: Math.floor(items / 3) + (i < items % 3 ? 1 : 0) }));

  const root = await mkdtemp(path.join(tmpdir(), 'stacflow-bench-shards-'));
  process.stderr.write(`shards bench: sandbox with ${n(items)} items, every label read once before the runs\n`);
  const { ready, child } = await startChild<{ url: string; s3Endpoint: string; control: string }>('incremental-sandbox-process', {
    seed: 14, collections, latencyMs, s3: { objects: 'none', imageBytes: 16, latencyMs, memoryReads: true },
  });
  const sandboxCounts = async (): Promise<RequestCounts> => (await (await fetch(`${ready.control}/counts`, { method: 'POST' })).json()) as RequestCounts;

  const pipelineFile = path.join(root, 'shards.yaml');
  await writeFile(pipelineFile, [
    'name: shards',
    `s3: { region: us-west-2, anonymous: true, endpoint: "${ready.s3Endpoint}" }`,
    `source: { stac_search: { api: "${ready.url}", collections: [${collections.map((c) => c.id).join(', ')}], limit: ${limit} } }`,
    'steps:',
    `  - fetch_label: { asset: caminfo_pvl, as: caminfo, concurrency: ${concurrency} }`,
    '  - select: { incidence_angle: caminfo.Caminfo.Geometry.IncidenceAngle }',
    '  - filter: "incidence_angle < 80"',
    'outputs:',
    `  - csv: { path: "${path.join(root, 'out', 'shards.csv')}" }`,
    '',
  ].join('\n'));

  const runShards = async (name: string, strategy: 'hash' | 'plan', shards: number, plan?: string): Promise<Measured> => {
    process.stderr.write(`shards bench: ${name}\n`);
    await sandboxCounts();
    const started = process.hrtime.bigint();
    const runs = await Promise.all(Array.from({ length: shards }, (_, index) => runShard(pipelineFile, root, name, index, shards, plan, started)));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const sandbox = await sandboxCounts();
    const failed = runs.filter((r) => r.exitCode !== 0);
    if (failed.length > 0) throw new Error(`shards bench: ${name}: shard ${failed.map((r) => `${r.index} exited ${r.exitCode}`).join(', ')}`);
    process.stderr.write(`shards bench: ${name}: ${seconds.toFixed(1)} s, ${n(sandbox.pages)} pages, ${n(sandbox.labelGets)} labels\n`);
    return { name, strategy, shards, seconds, runs, sandbox };
  };

  try {
    const measured: Measured[] = [await runShards('1 shard', 'hash', 1)];
    for (const shards of counts) measured.push(await runShards(`${shards} shards by hash`, 'hash', shards));
    for (const shards of counts) {
      const planFile = path.join(root, `shards-${shards}.plan.json`);
      await sandboxCounts();
      const started = process.hrtime.bigint();
      const made = await bin('stacflow', ['plan', pipelineFile, '--shards', String(shards), '--out', planFile, '--quiet']);
      if (made.code !== 0) throw new Error(`shards bench: stacflow plan exited ${made.code}: ${made.stderr}`);
      const planSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const plan = JSON.parse(await readFile(planFile, 'utf8')) as { requests: number; balance: number };
      const run = await runShards(`${shards} shards by datetime plan`, 'plan', shards, planFile);
      measured.push({ ...run, plan: { seconds: planSeconds, requests: plan.requests, balance: plan.balance } });
    }
    return report({ items, latencyMs, limit, concurrency }, measured);
  } finally {
    child.kill('SIGTERM');
    await rm(root, { recursive: true, force: true });
  }
}

async function runShard(file: string, root: string, name: string, index: number, shards: number, plan: string | undefined, started: bigint): Promise<ShardRun> {
  const report = path.join(root, `${name.replaceAll(' ', '-')}.report.json`);
  const args = [file, '--quiet', '--no-html-report', '--report', report, ...(shards > 1 ? ['--shard', `${index}/${shards}`] : []), ...(plan ? ['--plan', plan] : [])];
  const { code } = await bin('run-pipeline', args);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const written = JSON.parse(await readFile(shards > 1 ? shardPath(report, { index, count: shards }) : report, 'utf8')) as {
    items: { total: number };
    stages: Array<{ label: string; counters: Record<string, number> }>;
  };
  const counter = (label: string, key: string) => written.stages.find((s) => s.label === label)?.counters[key] ?? 0;
  return { index, seconds, pages: counter('stac_search', 'pages'), labels: counter('fetch_label', 'fetched'), kept: written.items.total, exitCode: code };
}

function bin(name: 'stacflow' | 'run-pipeline', args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', `${name}.js`), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

function report(setup: { items: number; latencyMs: number; limit: number; concurrency: number }, measured: Measured[]): string {
  const one = measured[0];
  const onePages = one.runs[0].pages;
  const rows = measured.map((m) => {
    const times = m.runs.map((r) => r.seconds);
    const pages = m.runs.map((r) => r.pages);
    const kept = m.runs.map((r) => r.kept);
    return [
      `  ${m.name.padEnd(26)}`,
      m.seconds.toFixed(1).padStart(7),
      `${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)}`.padStart(12),
      (m.seconds / one.seconds).toFixed(2).padStart(7),
      n(pages.reduce((a, b) => a + b, 0)).padStart(7),
      n(Math.max(...pages)).padStart(6),
      n(m.sandbox.pages).padStart(8),
      n(m.runs.reduce((a, r) => a + r.labels, 0)).padStart(8),
      n(m.sandbox.labelGets).padStart(8),
      `${n(Math.min(...kept))}–${n(Math.max(...kept))}`.padStart(14),
      m.plan ? `  plan: ${m.plan.seconds.toFixed(1)} s, ${m.plan.requests} requests, balance ${m.plan.balance.toFixed(3)}` : '',
    ].join(' ');
  });
  const goals = measured.slice(1).map((m) => {
    const total = m.runs.reduce((a, r) => a + r.pages, 0);
    const most = Math.max(...m.runs.map((r) => r.pages));
    const bound = m.shards * onePages;
    return `  ${m.name}: pages ${n(total)} ≤ ${m.shards} × ${n(onePages)} = ${n(bound)}: ${total <= bound ? 'yes' : 'NO'} (ratio ${(bound / total).toFixed(2)}); most pages of a shard ${n(most)} ≤ ${n(onePages)}: ${most <= onePages ? 'yes' : 'NO'}`;
  });
  return [
    `shards: ${n(setup.items)} items (3 Kaguya TC collections), stac_search (limit ${setup.limit}) → fetch_label (${setup.concurrency} in flight a shard) → select → filter → csv;`,
    `  sandbox in its own process, API and S3 ${setup.latencyMs} ms a request; every shard a run-pipeline process, all at once on this machine's cores`,
    '  run                          wall s  shard s (min–max)  × 1 shard  pages  most  API pages  labels  S3 label GETs  items a shard',
    ...rows,
    '  (pages: the shards\' reports, summed, and the most of one shard; API pages: the sandbox\'s count, the plan\'s own requests apart; labels likewise)',
    'goals (ratio ≥ 1 meets the goal):',
    ...goals,
    '',
  ].join('\n');
}
