import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../src/runtime-flags.js';

/**
 * Runs `bin/run-pipeline.js` as users run it (a real process, under the bins' V8 flags: `node ${NODE_FLAGS}
 * bin/run-pipeline.js FILE`), bounded: killed (SIGKILL) when it outlives `wallClockMs` or its resident memory
 * passes `rssLimitBytes` (VmRSS polled every 100 ms; the peak is the kernel's VmHWM, so short spikes count).
 * Returns what it did: exit code, output, the run report, peak RSS and duration.
 *
 * The bin runs `dist/` when it exists: `npm run build` first, or the run tests stale code.
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The package whose bin runs: this checkout, or another build of it (HOSTILE_STACFLOW_ROOT, e.g. an older commit, to see that a test catches what it is meant to). */
const BIN_ROOT = process.env.HOSTILE_STACFLOW_ROOT ? `${process.env.HOSTILE_STACFLOW_ROOT.replace(/\/$/, '')}/` : ROOT;
export const MiB = 1024 * 1024;
/** The bound on a run's memory, whatever a server sends. */
export const RSS_LIMIT_BYTES = 300 * MiB;
/** Output kept of each stream (a hostile server could make a run log without end). */
const MAX_OUTPUT = 2 * MiB;

/** The fields of the run report the tests read. */
export interface RunReportSeen {
  status: string;
  exit_code: number;
  items: { total: number; failed: number; written: number };
  failures: Array<{ item: string; stage: string; code: string; message: string; href?: string; status?: number }>;
  error?: { code: string; message: string };
  outputs?: Record<string, unknown>;
}

export interface BoundedRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The run report, when the run wrote one. */
  report?: RunReportSeen;
  peakRssBytes: number;
  durationMs: number;
  /** Why the harness killed the run, if it did. */
  killed?: 'rss' | 'wall-clock';
}

export interface BoundedRunOptions {
  pipelineFile: string;
  cwd: string;
  reportPath: string;
  wallClockMs: number;
  rssLimitBytes?: number;
  env?: Record<string, string>;
  /** Arguments after the pipeline file (default: `--report REPORT --no-progress`). */
  args?: string[];
}

export function runBounded(options: BoundedRunOptions): Promise<BoundedRun> {
  const rssLimit = options.rssLimitBytes ?? RSS_LIMIT_BYTES;
  const args = [...NODE_FLAGS, `${BIN_ROOT}bin/run-pipeline.js`, options.pipelineFile, ...(options.args ?? ['--report', options.reportPath, '--no-progress'])];
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { ...process.env, NODE_OPTIONS: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    if (stdout.length < MAX_OUTPUT) stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < MAX_OUTPUT) stderr += d.toString();
  });

  let peak = 0;
  let killed: BoundedRun['killed'];
  const kill = (why: NonNullable<BoundedRun['killed']>): void => {
    if (killed || child.exitCode !== null) return;
    killed = why;
    child.kill('SIGKILL');
  };
  const watchdog = setInterval(() => {
    const memory = readMemory(child.pid);
    if (!memory) return;
    peak = Math.max(peak, memory.hwm, memory.rss);
    if (memory.rss > rssLimit || memory.hwm > rssLimit) kill('rss');
  }, 100);
  const deadline = setTimeout(() => kill('wall-clock'), options.wallClockMs);

  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', async (exitCode, signal) => {
      clearInterval(watchdog);
      clearTimeout(deadline);
      const durationMs = Date.now() - started;
      let report: RunReportSeen | undefined;
      try {
        report = JSON.parse(await readFile(options.reportPath, 'utf8')) as RunReportSeen;
      } catch {
        report = undefined;
      }
      resolve({ exitCode, signal, stdout, stderr, report, peakRssBytes: peak, durationMs, killed });
    });
  });
}

/** VmRSS and VmHWM (peak) of a live process, in bytes; undefined once it is gone. */
function readMemory(pid: number | undefined): { rss: number; hwm: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}
