import { rm } from 'node:fs/promises';
import path from 'node:path';
import { startStateChild, tempDir } from './state-fixture.js';

/**
 * rest() streams a snapshot: 5,000 entries of ~8 KB read back in a child process (state-child.ts
 * `snapshot`), whose heap grows by a page of entries at most, not by the catalog (as an array would: 40 MB of
 * JSON, ~70 MB once parsed; measured by making rest() collect its pages first).
 */
let dir: string;
beforeAll(async () => {
  dir = await tempDir('snapshot');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test('reading 5,000 stored entries back holds a page of them at a time, in key order', async () => {
  const child = startStateChild('snapshot', path.join(dir, 'state.sqlite'), 40_000, ['--expose-gc']);
  const line = await child.line(/^\{|^exited/);
  const result = JSON.parse(line.startsWith('{') ? line : 'null') as { count: number; ordered: boolean; peakMb: number } | null;
  expect(result).toMatchObject({ count: 5_000, ordered: true });
  expect(result!.peakMb).toBeLessThan(16);
  expect((await child.exited).code).toBe(0);
}, 45_000);
