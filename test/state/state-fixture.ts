import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Entry } from '../../src/entry.js';
import { ROOT } from '../cli/run-bin.js';

export const tempDir = (name: string): Promise<string> => mkdtemp(path.join(tmpdir(), `stacflow-state-${name}-`));

/** Entry `n-<i>` of collection `c`: ~8 KB of JSON (a 200-point footprint), one downloaded file. */
export function stateEntry(i: number, extra: Partial<Entry> = {}): Entry {
  const ring = Array.from({ length: 200 }, (_, k) => [4 + Math.sin(k + i) * 0.123456789, 5 + Math.cos(k + i) * 0.123456789]);
  return {
    item: { type: 'Feature', id: `n-${i}`, collection: 'c', geometry: { type: 'Polygon', coordinates: [ring] }, properties: { updated: 'v1', n: i }, assets: {} },
    fields: { n: i },
    files: { image: { path: `data/n-${i}.tif`, bytes: 1000 + i, etag: `"e${i}"`, checksum: `sha256:${i}`, status: 'downloaded' } },
    failures: [],
    ...extra,
  };
}

export const START = { startedAt: '2026-12-03T03:00:00.000Z', fingerprint: 'f1', fullRefresh: false, reconcile: false } as const;
export const END = { endedAt: '2026-12-03T03:10:00.000Z', status: 'done', exitCode: 0, counts: {} } as const;

const CHILD = path.join(ROOT, 'test', 'state', 'state-child.ts');

export interface StateChild {
  readonly pid: number;
  /** Resolves with the next line the child prints that matches `pattern`. */
  line(pattern: RegExp): Promise<string>;
  readonly lines: string[];
  kill(): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts state-child.ts (through tsx); SIGKILLed after `limitMs` whatever happens. */
export function startStateChild(mode: 'record' | 'hold' | 'try' | 'snapshot', file: string, limitMs = 20_000, nodeFlags: string[] = []): StateChild {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', CHILD, mode, file], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  const watchdog = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(watchdog);
      for (const waiter of waiters.splice(0)) waiter.resolve(`exited ${code ?? signal}: ${stderr}`);
      resolve({ code, signal, stderr });
    });
  });
  return {
    pid: child.pid!,
    lines,
    line: (pattern) => new Promise((resolve) => waiters.push({ pattern, resolve })),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    exited,
  };
}

/** Resolves once `check()` is true (the state's writer thread commits on its own time); rejects after `limitMs`. */
export async function eventually(check: () => boolean, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not true after ${limitMs} ms: ${check.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
