import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runBin } from '../cli/run-bin.js';

// Outputs through the real bin (run-pipeline, a child process with the bins' flags) against the sandbox API:
// a CSV to a FIFO, to standard output, and the temporary files of a killed run removed by the next one.
const COLLECTION = 'kaguya_terrain_camera_stereoscopic_uncontrolled_observations';
let sandbox: Sandbox;
let dir: string;
beforeAll(async () => { sandbox = await startSandbox({ seed: 7 }); });
afterAll(async () => { await sandbox.close(); });
beforeEach(async () => { dir = await mkdtemp(path.join(tmpdir(), 'stacflow-outputs-run-')); });
afterEach(() => rm(dir, { recursive: true, force: true }));

async function pipelineFile(): Promise<string> {
  const file = path.join(dir, 'outs.yaml');
  await writeFile(file, [
    'name: outs',
    'source:',
    '  stac_search: { api: "${STAC_API_URL}", collections: [' + COLLECTION + '], bbox: [3, 4, 5, 6], max_items: 5 }',
    'outputs:',
    '  - csv: { path: "${CSV_PATH}", columns: [id, collection] }',
    '',
  ].join('\n'));
  return file;
}

const expectedIds = (): string[] => sandbox.catalog.search({ collections: [COLLECTION], bbox: [3, 4, 5, 6] }).slice(0, 5).map((e) => e.id);

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

test('csv to a FIFO: the reader gets every row, the FIFO stays a FIFO, nothing else is written there', async () => {
  const fifo = path.join(dir, 'rows.csv');
  execFileSync('mkfifo', [fifo]);
  const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  reader.stdout.on('data', (d) => (text += d));
  const readerDone = once(reader, 'exit'); // listened to now: the reader ends before the run does
  const result = await runBin('run-pipeline', [await pipelineFile(), '--report', path.join(dir, 'report.json')], { env: { STAC_API_URL: sandbox.url, CSV_PATH: fifo } });
  await readerDone;
  expect(result.code).toBe(0);
  const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
  expect(rows.map((r) => r.id)).toEqual(expectedIds());
  expect(lstatSync(fifo).isFIFO()).toBe(true);
  expect((await readdir(dir)).sort()).toEqual(['outs.yaml', 'report.html', 'report.json', 'rows.csv']);
}, 60_000);

test('csv path `-` is standard output; logs and the summary stay on stderr; the report is not put beside `-`', async () => {
  const result = await runBin('run-pipeline', [await pipelineFile()], { cwd: dir, env: { STAC_API_URL: sandbox.url, CSV_PATH: '-' } });
  expect(result.code).toBe(0);
  const rows = parse(result.stdout, { columns: true }) as Array<Record<string, string>>;
  expect(rows.map((r) => r.id)).toEqual(expectedIds());
  expect(result.stderr).toContain('outs: done in');
  expect(existsSync(path.join(dir, '-'))).toBe(false);
  expect((await readdir(dir)).sort()).toEqual(['outs.report.html', 'outs.report.json', 'outs.yaml']);
}, 60_000);

test('the temporary CSV and report of a killed run are removed by the next run; a live run\'s are kept', async () => {
  const csv = path.join(dir, 'out.csv');
  const dead = await deadPid();
  const live = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    await writeFile(`${csv}.tmp-${dead}`, 'id\nhalf');
    await writeFile(path.join(dir, `outs.report.json.tmp-${dead}`), '{"half":');
    await writeFile(`${csv}.tmp-${live.pid}`, 'id\nbusy');
    const result = await runBin('run-pipeline', [await pipelineFile()], { env: { STAC_API_URL: sandbox.url, CSV_PATH: csv } });
    expect(result.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['out.csv', `out.csv.tmp-${live.pid}`, 'outs.report.html', 'outs.report.json', 'outs.yaml']);
    expect((parse(await readFile(csv, 'utf8'), { columns: true }) as unknown[]).length).toBe(5);
  } finally {
    live.kill('SIGKILL');
  }
}, 60_000);
