import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBin } from './run-bin.js';

// Off a TTY a run's stderr holds nothing but JSON lines (issue 13 point 4), also when it ends before it
// starts: an invalid pipeline (each located error a line of its own), a state it may not open. Through the
// built bin (`npm run build` first); the bin's stderr is a pipe here.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stacflow-json-stderr-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const jsonLines = (stderr: string) => stderr.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

test('an invalid pipeline: one JSON line per located error, then the count; exit 2', async () => {
  const file = path.join(dir, 'bad.yaml');
  await writeFile(file, ['name: bad', 'source:', '  stac_search: { api: "http://127.0.0.1:9/", limt: 5 }', 'steps:', '  - filtr: "a < 1"', ''].join('\n'));
  const ran = await runBin('run-pipeline', [file], { cwd: dir });
  expect(ran.code).toBe(2);
  const lines = jsonLines(ran.stderr);
  expect(lines).toEqual([
    expect.objectContaining({ level: 50, code: 'ERR_CONFIG', file, line: 3, path: 'source.stac_search.limt', msg: expect.stringContaining('did you mean "limit"?') }),
    expect.objectContaining({ level: 50, code: 'ERR_CONFIG', file, line: 5, path: 'steps[0].filtr', msg: expect.stringContaining('did you mean "filter"?') }),
    expect.objectContaining({ level: 50, code: 'ERR_CONFIG', errors: 2, msg: `2 errors in ${file}` }),
  ]);
});

test('a run that cannot start (its state behind a symbolic link): one JSON line with the code; exit 1', async () => {
  const elsewhere = await mkdtemp(path.join(tmpdir(), 'stacflow-json-stderr-elsewhere-'));
  await symlink(elsewhere, path.join(dir, 'link'));
  const file = path.join(dir, 'linked.yaml');
  await writeFile(file, ['name: linked', 'state: link/state.sqlite', 'source:', '  stac_search: { api: "http://127.0.0.1:9/" }', 'outputs:', '  - csv: { path: out.csv }', ''].join('\n'));
  const ran = await runBin('run-pipeline', [file], { cwd: dir });
  await rm(elsewhere, { recursive: true, force: true });
  expect(ran.code).toBe(1);
  expect(jsonLines(ran.stderr)).toEqual([expect.objectContaining({ level: 50, code: expect.stringMatching(/^ERR_STATE/), msg: expect.stringContaining('link') })]);
});
