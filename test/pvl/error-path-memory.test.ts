import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { heapGrowthBetweenMarks } from './gc-trace.js';
import { INVALID_LABELS, type InvalidLabelName } from './invalid-labels.js';

/**
 * The error path of a 2 MB invalid label (parseDeclined: continuations joined, the failure located by the
 * fast parser, the grammar on a window of at most 16 kB) takes a few times the label's size, whatever the
 * label's shape, and still says where the label is wrong. Each case runs in a child process
 * (error-path-memory-child.ts) whose V8 heap is read before every collection (--trace-gc) while the error
 * is located; the young generation is kept at 1 MB so that what is measured is what the error path holds,
 * not how much garbage V8 lets pile up before collecting it.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHILD = path.join(import.meta.dirname, 'error-path-memory-child.ts');
/** Peak heap (and buffers) over the baseline, in label sizes: under 2 now; three of these cases took 10 to 22 before. */
const MAX_GROWTH_IN_LABELS = 5;
const MAX_CPU_MS = 1500;

interface Measured {
  bytes: number;
  buffersGrowth: number;
  cpuMs: number;
  line: number;
  column: number;
  code: string;
  message: string;
  publicMessage: string;
  /** Heap used at its highest over the heap used after the baseline's collection, in bytes. */
  heapGrowth: number;
}

const MB = 1024 * 1024;

async function measure(name: InvalidLabelName): Promise<Measured> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--trace-gc', '--max-semi-space-size=1', '--import', 'tsx', CHILD, name],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000, maxBuffer: 16 * MB },
  );
  const result = JSON.parse(stdout.split('\n').find((l) => l.startsWith('{')) ?? 'null') as Omit<Measured, 'heapGrowth'>;
  return { ...result, heapGrowth: heapGrowthBetweenMarks(stdout) };
}

describe(`a 2 MB invalid label: the error path takes at most ${MAX_GROWTH_IN_LABELS} times the label's size`, () => {
  test.each(Object.keys(INVALID_LABELS) as InvalidLabelName[])('%s', async (name) => {
    const label = INVALID_LABELS[name]();
    const measured = await measure(name);
    const where = `label.pvl:${label.line}:${label.column}: not valid PVL: ${label.message}`;
    expect([measured.code, measured.message.split('\n')[0]]).toEqual(['ERR_PVL_SYNTAX', where]);
    expect(measured.message.split('\n')[2].indexOf('^')).toBeGreaterThan(0);
    expect(measured.publicMessage).toBe(measured.message);
    expect(measured.bytes).toBeGreaterThan(2 * 1000 * 1000);
    expect(measured.heapGrowth + measured.buffersGrowth).toBeLessThanOrEqual(MAX_GROWTH_IN_LABELS * measured.bytes);
    expect(measured.cpuMs).toBeLessThan(MAX_CPU_MS);
  }, 90_000);
});
