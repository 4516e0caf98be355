import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { NODE_FLAGS } from '../src/runtime-flags.js';

// Children run the same way as this module: compiled (dist/bench/*.js, what `npm run bench` uses) or via tsx,
// with the V8 flags the bins run with (src/runtime-flags.ts), so they measure stacflow as users run it.
const HERE = path.dirname(fileURLToPath(import.meta.url));
const COMPILED = import.meta.url.endsWith('.js');
const childArgs = (script: string, args: unknown): string[] => [
  ...NODE_FLAGS,
  ...(COMPILED ? [] : ['--import', 'tsx']),
  path.join(HERE, `${script}${COMPILED ? '.js' : '.ts'}`),
  JSON.stringify(args),
];

/** Runs `bench/<script>` in its own Node process (so its RSS is its own) and returns its JSON result line. */
export function runChild<T>(script: string, args: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, childArgs(script, args), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let last = '';
    createInterface({ input: child.stdout! }).on('line', (line) => (last = line));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(last) as T) : reject(new Error(`${script} exited ${code}`))));
  });
}

/** Starts a long-lived child that prints one JSON line when ready (the sandbox); resolves with it and the handle. */
export function startChild<T>(script: string, args: unknown): Promise<{ ready: T; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, childArgs(script, args), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: child.stdout! }).once('line', (line) => resolve({ ready: JSON.parse(line) as T, child }));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${script} exited ${code} before it was ready`)));
  });
}

/** What each measuring child reports. */
export interface Measurement {
  items: number;
  seconds: number;
  peakRssMb: number;
}

export const peakRssMb = (): number => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;

/** A benchmark setting from the environment (`BENCH_*`): a number ≥ 0, or `fallback` when unset or empty. */
export const envNumber = (name: string, fallback: number): number => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 0)) throw new Error(`${name} must be a number >= 0, got ${value}`);
  return n;
};
