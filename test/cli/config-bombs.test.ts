import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { aliasBomb } from '../config/config-bomb-helpers.js';
import { runBin } from './run-bin.js';

test.each(['option', 'name'] as const)('run-pipeline on an alias bomb in %s: exit 2, file:line:col, no stack trace', async (where) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'stacflow-bomb-'));
  const file = path.join(dir, 'bomb.yaml');
  await writeFile(file, aliasBomb(where));
  const result = await runBin('run-pipeline', [file]);
  expect(result.code).toBe(2);
  // Off a TTY (a pipe here) each located error is a JSON line.
  const first = JSON.parse(result.stderr.split('\n')[0]) as { msg: string };
  expect(first.msg).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:${where === 'name' ? 1 : 5}:\\d+ \\S+: aliases expand this file to more than 100,000 values`));
  expect(result.stderr).not.toMatch(/ReferenceError|\n\s+at /);
}, 30_000);
