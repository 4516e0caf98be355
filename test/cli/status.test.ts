import { spawn } from 'node:child_process';
import { access, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { ROOT, runBin } from './run-bin.js';

// `stacflow status FILE` through the built bin (`npm run build` first) after real runs of a pipeline with
// `state:` against the sandbox: its history, what failed and why, what is pending, and a look during a run.

const CHILD_LIMIT_MS = 40_000;
const COLLECTION = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';

let sandbox: Sandbox;
let out: string;
// A sandbox each test: the first one's faults and changed items stay.
beforeEach(async () => {
  sandbox = await startSandbox({ seed: 5, itemsPerCollection: 8 });
  out = await mkdtemp(path.join(tmpdir(), 'stacflow-status-'));
});
afterEach(async () => { await sandbox.close(); });

/** Search, read each item's caminfo label, write a CSV; the state in OUT_DIR unless `state: false`. */
async function pipelineFile(options: { state?: boolean } = {}): Promise<string> {
  const lines = [
    'name: nightly',
    ...(options.state === false ? [] : ['state: "${OUT_DIR}/nightly.sqlite"']),
    `s3: { endpoint: "${sandbox.s3Endpoint}" }`,
    'http: { retry_base_delay: 10ms, retry_max_delay: 50ms }',
    'source:',
    `  stac_search: { api: "${sandbox.url}", collections: [${COLLECTION}] }`,
    'steps:',
    '  - fetch_label: { asset: caminfo_pvl, as: caminfo }',
    '  - select: { incidence_angle: caminfo.Caminfo.Geometry.IncidenceAngle }',
    'outputs:',
    '  - csv: { path: "${OUT_DIR}/nightly.csv" }',
  ];
  const file = path.join(out, 'nightly.yaml');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

const bin = (name: 'stacflow' | 'run-pipeline', args: string[]) => runBin(name, args, { cwd: out, env: { OUT_DIR: out }, timeoutMs: CHILD_LIMIT_MS });

test('after three runs: the history (most recent first), the cursor, the item still failing (pending) and the one given up, with why', async () => {
  const ids = sandbox.catalog.search({ collections: [COLLECTION] }).map((e) => e.id);
  const [always, lately] = [ids[2], ids[5]];
  const file = await pipelineFile();
  // `always` fails its label read in every run: given up after the third (max_attempts 3).
  sandbox.s3!.addFault({ match: `${always}/caminfo_pvl`, status: 403, times: Infinity });
  expect((await bin('run-pipeline', [file])).code).toBe(3);
  expect((await bin('run-pipeline', [file])).code).toBe(3);
  // `lately` changes and then fails: worked again in run 3, and pending after it. Stamped 10 minutes ago:
  // stac_search leaves out what changed in the last 5 minutes (its safety margin).
  await sandbox.touchItems([lately], Date.now() - 10 * 60_000);
  sandbox.s3!.addFault({ match: `${lately}/caminfo_pvl`, status: 403, times: Infinity });
  expect((await bin('run-pipeline', [file])).code).toBe(3);

  const json = await bin('stacflow', ['status', file, '--json']);
  expect(json.code).toBe(0);
  const status = JSON.parse(json.stdout);
  expect(status).toMatchObject({ pipeline: 'nightly', state: path.join(out, 'nightly.sqlite'), running: null, pending: 1, not_listed: 0 });
  expect(status.items).toEqual({ done: ids.length - 2, failed: 1, dropped: 0, given_up: 1, removed: 0 });
  expect(status.cursor).toEqual(expect.any(String));
  expect(status.runs.map((r: { run: number; status: string; exit_code: number }) => [r.run, r.status, r.exit_code])).toEqual([
    [3, 'done_with_failures', 3],
    [2, 'done_with_failures', 3],
    [1, 'done_with_failures', 3],
  ]);
  expect(status.runs[2].items).toMatchObject({ new: ids.length, failed: 1 });
  expect(status.runs[1].items).toMatchObject({ new: 0, retried: 1, failed: 1 });
  expect(status.runs[0].items).toMatchObject({ changed: 1, failed: 2, given_up: 1 });
  expect(status.runs[0].duration_s).toBeGreaterThan(0);
  const why = { stage: 'fetch_label', code: 'ERR_S3_ACCESS_DENIED', status: 403, href: expect.stringContaining(`${always}`), message: expect.stringContaining('AccessDenied, HTTP 403') };
  expect(status.given_up).toEqual([expect.objectContaining({ item: `${COLLECTION}/${always}`, attempts: 3, last_run: 3, failures: [why], stages: { fetch_label: 'failed', select: 'not_reached' } })]);
  expect(status.failed).toEqual([expect.objectContaining({ item: `${COLLECTION}/${lately}`, attempts: 1, last_run: 3, failures: [{ ...why, href: expect.stringContaining(lately) }] })]);

  const text = await bin('stacflow', ['status', file, '--runs', '2']);
  expect(text.code).toBe(0);
  const lines = text.stdout.split('\n');
  expect(lines[0]).toBe(`nightly: state ${path.join(out, 'nightly.sqlite')}`);
  expect(text.stdout).toContain(`  items: ${ids.length - 2} done, 1 failed (pending: the next run works them again), 1 given up, 0 dropped by filters, 0 removed`);
  expect(text.stdout).toContain('last 2 runs, the most recent first:');
  expect(lines.filter((l) => /^ {2}#\d+ {2}/.test(l)).map((l) => l.split('  ')[1])).toEqual(['#3', '#2']);
  expect(text.stdout).toMatch(/ {2}#3 {2}\S+Z {2}[\d.]+ s {2}done with failures {2}exit 3 {2}new 0, changed 1, unchanged \d+, retried 1, failed 2, given up 1\n/);
  expect(text.stdout).toContain(`failed, pending (1):\n  ${COLLECTION}/${lately}: 1 failed run in a row, last in run #3\n    fetch_label ERR_S3_ACCESS_DENIED (HTTP 403): https://`);
  expect(text.stdout).toContain(`given up (1):\n  ${COLLECTION}/${always}: 3 failed runs in a row, last in run #3\n    fetch_label ERR_S3_ACCESS_DENIED (HTTP 403): https://`);
  expect(text.stdout).toContain(`\n    steps: fetch_label failed, select not reached\n`);
}, 90_000);

test('status reads while a run holds the state: the run shows as running, with the pid that holds the lock', async () => {
  sandbox.addFault({ path: '/search', delayMs: 20_000, times: 1 });
  const file = await pipelineFile();
  const run = spawn(process.execPath, [path.join(ROOT, 'bin', 'run-pipeline.js'), file], {
    cwd: out,
    env: { ...process.env, NODE_OPTIONS: '', OUT_DIR: out },
    stdio: 'ignore',
    timeout: CHILD_LIMIT_MS,
  });
  try {
    const deadline = Date.now() + 20_000;
    while (!sandbox.requests.some((r) => r.path === '/search') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const result = await bin('stacflow', ['status', file, '--json']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(status.running).toMatchObject({ pid: run.pid, state: 'alive' });
    expect(status.runs).toEqual([expect.objectContaining({ run: 1, status: 'running', ended_at: null, duration_s: null, exit_code: null })]);
    const text = await bin('stacflow', ['status', file]);
    expect(text.stdout).toMatch(new RegExp(`  lock: held by pid ${run.pid} on \\S+ since \\S+ \\(last seen \\S+; running\\)`));
    expect(text.stdout).toMatch(/ {2}#1 {2}\S+ {2}running {2}running {2}no exit code {2}/);
  } finally {
    run.kill('SIGKILL');
  }
}, 60_000);

test('a pipeline without state:, or whose state does not exist yet, is a usage error (exit 2) that says so, and creates nothing', async () => {
  const stateless = await bin('stacflow', ['status', await pipelineFile({ state: false })]);
  expect(stateless.code).toBe(2);
  expect(stateless.stderr).toContain('nightly.yaml: this pipeline has no `state:`, so there is no history to show');

  // The state a `--set state=...` gives (as deploy/kubernetes gives its shards) is the one looked for.
  const setState = await bin('stacflow', ['status', await pipelineFile({ state: false }), '--set', 'state=elsewhere.sqlite']);
  expect(setState.code).toBe(2);
  expect(setState.stderr).toContain(`its state ${path.resolve(out, 'elsewhere.sqlite')} does not exist yet`);

  const notYet = await bin('stacflow', ['status', await pipelineFile()]);
  expect(notYet.code).toBe(2);
  expect(notYet.stderr).toContain(`nightly.yaml: its state ${path.join(out, 'nightly.sqlite')} does not exist yet: run the pipeline once`);
  expect(await readdir(out)).toEqual(['nightly.yaml']);
  await expect(access(path.join(out, 'nightly.sqlite'))).rejects.toThrow();

  const badRuns = await bin('stacflow', ['status', await pipelineFile(), '--runs', '0']);
  expect(badRuns.code).toBe(2);
  expect(badRuns.stderr).toContain('--runs: expected a whole number of at least 1, got 0');
});
