import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './run-bin.js';

/**
 * A bug inside a stage (a TypeError) ends the run through the CLI's own entry (runMain, what the bins call):
 * exit 1 with the stack on stderr, never an ERR_UNEXPECTED failure of the item being worked on.
 */
const dist = path.join(ROOT, 'dist/src');
(existsSync(dist) ? test : test.skip)('a TypeError in a stage: exit 1, its stack on stderr, the report says ERR_BUG and lists no item failure', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'stacflow-bug-'));
  const script = `
    import { of } from 'rxjs';
    import { pino } from 'pino';
    import { z } from 'zod';
    import { runMain } from '${dist}/cli/main.js';
    import { newEntry } from '${dist}/entry.js';
    import { perEntry } from '${dist}/engine/step.js';
    import { runPipeline } from '${dist}/engine/run.js';
    const item = (id) => ({ type: 'Feature', id, geometry: null, properties: {}, assets: {} });
    const source = { kind: 'source', name: 'src', schema: z.object({}), create: () => of(newEntry(item('a')), newEntry(item('b'))) };
    const buggy = { kind: 'step', name: 'buggy', schema: z.object({}), create: () => perEntry(async (e) => e.item.id === 'b' ? e.item.missing.field : e) };
    const plan = { file: 'x.yaml', name: 'bug', s3: { region: 'us-west-2', anonymous: true }, report: '${dir}/bug.report.json',
      source: { stage: source, options: {}, label: 'src' }, steps: [{ stage: buggy, options: {}, label: 'buggy' }], outputs: [] };
    await runMain(() => runPipeline(plan, { log: pino({ level: 'silent' }) }));
  `;
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 60_000 }, (err, _stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
    );
  });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^stacflow: Cannot read properties of undefined \(reading 'field'\)\nTypeError: Cannot read properties of undefined \(reading 'field'\)\n\s+at /);
  const { readFile } = await import('node:fs/promises');
  const report = JSON.parse(await readFile(path.join(dir, 'bug.report.json'), 'utf8'));
  expect(report).toMatchObject({ status: 'aborted', exit_code: 1, error: { code: 'ERR_BUG' }, failures: [] });
}, 70_000);
