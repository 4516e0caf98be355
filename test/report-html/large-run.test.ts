import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../cli/run-bin.js';

// A large run's page stays bounded: 30,000 items with 300-vertex footprints through the collector and the
// renderer in a child process of its own (the compiled dist/: `npm run build` first), its heap capped and measured.

test('30,000 detailed footprints: 20,000 drawn with a note, the page under 8 MB, the heap under 96 MiB', async () => {
  const child = path.join(ROOT, 'test', 'report-html', 'large-run-child.mjs');
  const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=128', child, '30000', '300'], { timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
  const measured = JSON.parse(stdout) as { htmlBytes: number; paths: number; note: string[]; collectMs: number; renderMs: number; peakHeapMiB: number };
  expect(measured.paths).toBe(20_000);
  expect(measured.note).toEqual(['20,000', '30,000']);
  expect(measured.htmlBytes).toBeLessThan(8 * 1024 * 1024);
  expect(measured.peakHeapMiB).toBeLessThan(96);
  // Its speed is measured, not asserted (README: the collector ~2 s, the page ~0.5 s of CPU for this run).
}, 70_000);
