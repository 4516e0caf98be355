import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { runFromFile } from '../src/cli/run-file.js';
import type { RunResult } from '../src/engine/run.js';
import { peakRssMb } from './child.js';
import { measureStateCpu } from './state-cpu.js';

/**
 * One run of `npm run bench -- incremental` (bench/incremental.ts) in its own process, as a nightly cron
 * starts `run-pipeline FILE`: the tutorial's chain without downloads (stac_search → fetch_label → select →
 * filter → csv), through the CLI's own runner (state opened and locked as the bins do). With `state`, the
 * pipeline has `state: <dir>/state.sqlite`; without, it is the same pipeline, stateless.
 */
export interface IncrementalArgs {
  url: string;
  s3Endpoint: string;
  collections: string[];
  dir: string;
  state: boolean;
  limit: number;
  concurrency: number;
}

export interface IncrementalMeasurement {
  seconds: number;
  cpuSeconds: number;
  /**
   * CPU of the run's own thread (the JS thread: /proc/self/task/<pid>/stat), without the process's other
   * threads (GC helpers, libuv's pool, the state's writer thread). The run's critical path; less blurred
   * by the load of other processes on the machine than wall time.
   */
  mainThreadCpuSeconds: number;
  /** Of which in the kernel (system calls: the network, the files, waits). */
  mainThreadSystemSeconds: number;
  /** Time in V8's garbage collector (main-thread pauses, all kinds): part of cpuSeconds. */
  gcSeconds: number;
  peakRssMb: number;
  exitCode: number;
  items: { total: number; failed: number; written: number };
  /** The report's state counters (new, unchanged, changed, rest, recorded_done…); absent without state. */
  state?: Record<string, number>;
  /** CPU seconds inside the state's own code (bench/state-cpu.ts), by call; only with BENCH_INCREMENTAL_STATE_CPU=1. */
  stateCpu?: Record<string, number>;
  /** Rows of the CSV catalog (snapshot: the whole catalog every run). */
  rows: number;
}

const args = JSON.parse(process.argv[2]!) as IncrementalArgs;
const file = path.join(args.dir, args.state ? 'with-state.yaml' : 'without-state.yaml');
await writeFile(
  file,
  [
    `name: bench-incremental${args.state ? '' : '-stateless'}`,
    ...(args.state ? [`state: ${path.join(args.dir, 'state.sqlite')}`] : []),
    `s3: { region: us-west-2, anonymous: true, endpoint: "${args.s3Endpoint}" }`,
    `source: { stac_search: { api: "${args.url}", collections: [${args.collections.join(', ')}], limit: ${args.limit} } }`,
    'steps:',
    `  - fetch_label: { asset: caminfo_pvl, as: caminfo, concurrency: ${args.concurrency} }`,
    '  - select:',
    '      incidence_angle: caminfo.Caminfo.Geometry.IncidenceAngle',
    '      emission_angle: caminfo.Caminfo.Geometry.EmissionAngle',
    '      phase_angle: caminfo.Caminfo.Geometry.PhaseAngle',
    '      gsd: gsd',
    '  - filter: "incidence_angle < 80"',
    'outputs:',
    `  - csv: { path: "${path.join(args.dir, args.state ? 'with-state.csv' : 'without-state.csv')}" }`,
    '',
  ].join('\n'),
);

// Opt-in: two getrusage calls a record and a rest entry cost ~0.3–0.5 CPU s per 10,000 items here, which
// the goal figures must not carry.
const stateCpu = args.state && process.env.BENCH_INCREMENTAL_STATE_CPU === '1' ? measureStateCpu() : undefined;
let result: RunResult | undefined;
let gcMs = 0;
const gc = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
});
gc.observe({ entryTypes: ['gc'] });
const cpu0 = process.cpuUsage();
const main0 = mainThreadCpuSeconds();
const system0 = mainThreadSystemSeconds();
const started = performance.now();
const exitCode = await runFromFile({ file, report: path.join(args.dir, 'report.json'), quiet: true, progress: false }, { onResult: (r) => (result = r) });
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
const mainCpu = mainThreadCpuSeconds() - main0;
gc.disconnect();
if (!result) throw new Error(`bench-incremental: ${file} ended with exit code ${exitCode} and no report`);
const { report } = result;
const measurement: IncrementalMeasurement = {
  seconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  mainThreadCpuSeconds: mainCpu,
  mainThreadSystemSeconds: mainThreadSystemSeconds() - system0,
  gcSeconds: gcMs / 1000,
  peakRssMb: peakRssMb(),
  exitCode,
  items: report.items,
  ...(report.state ? { state: report.state.counts } : {}),
  ...(stateCpu ? { stateCpu: Object.fromEntries(Object.entries(stateCpu.ms).map(([k, v]) => [k, v / 1000])) } : {}),
  rows: Object.values(report.outputs)[0]?.rows ?? 0,
};
process.stdout.write(`${JSON.stringify(measurement)}\n`);
process.exit(0);

/** utime + stime of the main thread (its task id is the pid), in seconds (clock ticks of 10 ms, Linux's USER_HZ). */
function mainThreadCpuSeconds(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  // Fields after the command (which may hold spaces) in parentheses: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The main thread's system CPU alone (part of mainThreadCpuSeconds), seconds. */
function mainThreadSystemSeconds(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]) / 100;
}
