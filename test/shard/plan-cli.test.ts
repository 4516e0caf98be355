import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runBin } from '../cli/run-bin.js';

/**
 * `stacflow plan FILE --shards N` through the bin (dist/: `npm run build` first): the plan file written, the
 * table printed, exit 2 for what cannot be planned.
 */
const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
const LIMIT_MS = 60_000;
let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 3, collections: [{ id: MONO, items: 500 }], s3: { enabled: false } });
  dir = await mkdtemp(path.join(tmpdir(), 'stacflow-plan-cli-'));
});
afterAll(async () => {
  await sandbox.close();
});

async function pipelineFile(search: string): Promise<string> {
  const file = path.join(dir, 'mono.yaml');
  await writeFile(file, `name: mono\nsource:\n  stac_search: { api: "${sandbox.url}", collections: [${MONO}]${search} }\noutputs:\n  - ndjson: { path: "-" }\n`);
  return file;
}

test('writes the plan and prints its windows, counts and balance', async () => {
  const file = await pipelineFile('');
  const { code, stdout, stderr } = await runBin('stacflow', ['plan', file, '--shards', '3'], { cwd: dir, timeoutMs: LIMIT_MS });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const plan = JSON.parse(await readFile(path.join(dir, 'mono.plan.json'), 'utf8')) as { total: number; windows: Array<{ start: string; end: string; expected: number }>; balance: number; requests: number };
  expect(plan.total).toBe(500);
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^shard\s+start\s+end\s+items\s+of mean$/);
  plan.windows.forEach((w, i) => expect(lines[i + 1]).toMatch(new RegExp(`^\\s*${i}\\s+${w.start.replace(/\./g, '\\.')}\\s+${w.end.replace(/\./g, '\\.')}\\s+${w.expected}\\s+\\d\\.\\d\\d$`)));
  expect(stdout).toContain(`500 items in 3 windows; balance (largest / mean) ${plan.balance.toFixed(3)}`);
  expect(stdout).toContain(`${plan.requests} requests`);
  expect(stdout).toContain(`plan written to mono.plan.json: run shard I of 3 with run-pipeline ${file} --shard I/3 --plan mono.plan.json`);
}, LIMIT_MS);

test('--out=- prints the plan as JSON, the table on stderr', async () => {
  const file = await pipelineFile(', datetime: 2008/..');
  const { code, stdout, stderr } = await runBin('stacflow', ['plan', file, '--shards', '2', '--out=-'], { cwd: dir, timeoutMs: LIMIT_MS });
  expect(code).toBe(0);
  expect(JSON.parse(stdout)).toMatchObject({ shards: 2, search: { datetime: '2008-01-01T00:00:00Z/..' }, windows: [{ start: '2008-01-01T00:00:00Z' }, { end: '..' }] });
  expect(stderr).toContain('items in 2 windows');
}, LIMIT_MS);

test('exit 2 for a search windows cannot split, saying what to use instead', async () => {
  const file = await pipelineFile(', max_items: 20');
  const { code, stdout, stderr } = await runBin('stacflow', ['plan', file, '--shards', '2'], { cwd: dir, timeoutMs: LIMIT_MS });
  expect(code).toBe(2);
  expect(stdout).toBe('');
  expect(stderr).toContain(`stacflow: ERR_USAGE: ${file}: source.stac_search.max_items is set (20)`);
  expect(stderr).toContain('use hash sharding (--shard I/N');
}, LIMIT_MS);

test('exit 2 for an API without numberMatched', async () => {
  sandbox.addFault({ path: '/search', status: 200, body: { type: 'FeatureCollection', features: [], links: [] }, times: 1 });
  const file = await pipelineFile('');
  const { code, stderr } = await runBin('stacflow', ['plan', file, '--shards', '2', '--out', path.join(dir, 'never.json')], { cwd: dir, timeoutMs: LIMIT_MS });
  expect(code).toBe(2);
  expect(stderr).toContain('gives no numberMatched (nor context.matched) for the search: a datetime plan needs the counts; use hash sharding instead');
}, LIMIT_MS);

test('exit 2 for a bad --shards, and for an invalid pipeline', async () => {
  const bad = await runBin('stacflow', ['plan', await pipelineFile(''), '--shards', '0'], { cwd: dir, timeoutMs: LIMIT_MS });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--shards: expected a whole number from 1 to 100000, got 0');
  const invalid = await runBin('stacflow', ['plan', await pipelineFile(', bbox: [1, 2]'), '--shards', '2'], { cwd: dir, timeoutMs: LIMIT_MS });
  expect(invalid.code).toBe(2);
  expect(invalid.stderr).toContain('bbox');
}, LIMIT_MS);
