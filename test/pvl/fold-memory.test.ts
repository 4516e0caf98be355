import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { heapGrowthBetweenMarks } from './gc-trace.js';

/**
 * A quoted string's white-space runs fold to one space (PVL, as Python's pvl does): on a 2 MB string of 230,000
 * runs, the fold holds about the string's size, not a record per run (a regex replace held ~20× it).
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const CHILD = path.join(import.meta.dirname, 'fold-memory-child.ts');

test('folding a 2 MB quoted string of 230,000 white-space runs holds a few times its size', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--trace-gc', '--max-semi-space-size=1', '--import', 'tsx', CHILD], {
    cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024,
  });
  const result = JSON.parse(stdout.split('\n').find((l) => l.startsWith('{')) ?? 'null') as { bytes: number; folded: number; sample: string; words: number };
  expect(result).toMatchObject({ folded: 230_000 * 5 - 1, sample: 'word word word ', words: 230_000 });
  expect(heapGrowthBetweenMarks(stdout)).toBeLessThan(5 * result.bytes);
}, 90_000);
