import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface BinOptions {
  env?: Record<string, string>;
  cwd?: string;
  onSpawn?: (pid: number) => void;
  /** Another copy of the package to run (default: this checkout); also the default working directory. */
  root?: string;
  /** Node flags before the bin (`--import` a preload). */
  nodeArgs?: string[];
  /** Killed (SIGTERM) after this long. */
  timeoutMs?: number;
}

/** Runs one of the package's bins as a user would (a real process), with extra environment. */
export function runBin(bin: 'stacflow' | 'run-pipeline', args: string[], options: BinOptions = {}): Promise<BinResult> {
  const root = options.root ?? ROOT;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), path.join(root, 'bin', `${bin}.js`), ...args], {
      cwd: options.cwd ?? root,
      env: { ...process.env, NODE_OPTIONS: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.timeoutMs !== undefined && { timeout: options.timeoutMs }),
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
