import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { NODE_FLAGS } from '../../src/runtime-flags.js';
import { ROOT } from '../cli/run-bin.js';

export interface WatchedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the run. */
  ms: number;
  /** Highest VmHWM (peak resident set) seen in /proc/<pid>/status, in MB. */
  peakRssMb: number;
  /** Why the watchdog killed the run, if it did. */
  killed?: string;
}

/** VmHWM (peak RSS) of a live process in MB, or undefined once it is gone. */
function peakRss(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `bin/run-pipeline.js` as a user would, with the bins' V8 flags (src/runtime-flags.ts, as in the
 * shebang), under a watchdog: killed (SIGKILL) past `timeLimitMs`, or as soon as its resident set passes
 * `rssLimitMb` (polled in /proc every 50 ms). Needs `npm run build` (the bin runs dist/ when it exists).
 */
export function runPipelineWatched(
  args: string[], options: { env: Record<string, string>; cwd: string; timeLimitMs: number; rssLimitMb: number },
): Promise<WatchedResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, `${ROOT}bin/run-pipeline.js`, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NODE_OPTIONS: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peakRssMb = 0;
    let killed: string | undefined;
    const kill = (why: string) => {
      if (killed !== undefined) return;
      killed = why;
      child.kill('SIGKILL');
    };
    const poll = setInterval(() => {
      const rss = child.pid === undefined ? undefined : peakRss(child.pid);
      if (rss === undefined) return;
      peakRssMb = Math.max(peakRssMb, rss);
      if (rss > options.rssLimitMb) kill(`resident set ${rss.toFixed(0)} MB > ${options.rssLimitMb} MB`);
    }, 50);
    const deadline = setTimeout(() => kill(`still running after ${options.timeLimitMs} ms`), options.timeLimitMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, peakRssMb: Math.round(peakRssMb), killed });
    });
  });
}
