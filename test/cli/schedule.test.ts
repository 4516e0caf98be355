import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { ROOT, runBin } from './run-bin.js';

// `run-pipeline FILE --schedule` through the built bin (`npm run build` first) against the sandbox: a schedule
// of every second (croner reads 6 fields as seconds first). Every child is bounded: killed after CHILD_LIMIT_MS,
// and killed in `finally` whatever happened.

const CHILD_LIMIT_MS = 40_000;
const COLLECTION = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';

let sandbox: Sandbox;
let out: string;
beforeAll(async () => { sandbox = await startSandbox({ seed: 3, itemsPerCollection: 12, s3: { enabled: false } }); });
afterAll(async () => { await sandbox.close(); });
beforeEach(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'stacflow-schedule-'));
  sandbox.clearRequests();
});

/** A pipeline of the sandbox's 12 items to a CSV, on `schedule`, with a state unless `state: false`. */
async function pipelineFile(options: { schedule?: string; timezone?: string; state?: boolean } = {}): Promise<string> {
  const lines = [
    'name: nightly',
    ...(options.schedule === undefined ? [] : [`schedule: "${options.schedule}"`]),
    ...(options.timezone === undefined ? [] : [`schedule_timezone: ${options.timezone}`]),
    ...(options.state === false ? [] : ['state: "${OUT_DIR}/nightly.sqlite"']),
    // Retries of milliseconds: a refused or failed request ends the run quickly.
    'http: { retry_base_delay: 10ms, retry_max_delay: 50ms }',
    'source:',
    `  stac_search: { api: "${sandbox.url}", collections: [${COLLECTION}] }`,
    'outputs:',
    '  - csv: { path: "${OUT_DIR}/nightly.csv" }',
  ];
  const file = path.join(out, 'nightly.yaml');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A scheduler in a child process, its JSON log lines as they come, and a bounded wait for its exit. */
class Scheduled {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly exited: Promise<number | null>;
  stderr = '';
  #waiters: Array<() => void> = [];

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run-pipeline.js'), ...args], {
      cwd: out,
      // The machine's zone is UTC here, whatever the tester's: a schedule_timezone must show.
      env: { ...process.env, NODE_OPTIONS: '', OUT_DIR: out, TZ: 'UTC' },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: CHILD_LIMIT_MS,
    });
    this.child.stderr!.on('data', (chunk) => {
      this.stderr += chunk;
      const complete = this.stderr.split('\n');
      this.lines.length = 0;
      for (const line of complete) if (line.startsWith('{') && line.endsWith('}')) this.lines.push(JSON.parse(line) as LogLine);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** The first log line that `matches`, waiting for it (at most `ms`). */
  async waitFor(matches: (line: LogLine) => boolean, ms = 20_000): Promise<LogLine> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.lines.find(matches);
      if (found) return found;
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`no such log line within ${ms} ms; stderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  messages(): string[] {
    return this.lines.map((l) => l.msg);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

const ended = (run: number) => (l: LogLine) => l.run === run && /^schedule: run \d+ ended/.test(l.msg);

test('runs at each time of the schedule, logs each run and the next time, goes on after a failing run, and stops on SIGTERM with exit 0', async () => {
  // The first search is refused: run 1 aborts (exit 1); the schedule goes on.
  sandbox.addFault({ path: '/search', status: 400, times: 1 });
  const scheduled = new Scheduled([await pipelineFile({ schedule: '* * * * * *' }), '--schedule', '--stop-timeout', '30s']);
  try {
    const first = await scheduled.waitFor(ended(1));
    const third = await scheduled.waitFor(ended(3));
    scheduled.child.kill('SIGTERM');
    // A run under way when SIGTERM came is let finish (--stop-timeout): exit 0 whatever the moment.
    expect(await scheduled.exited).toBe(0);

    expect(first).toMatchObject({ exit_code: 1, status: 'aborted', level: 40 });
    // Run 2 worked the 12 items; run 3 searched from the state's cursor and wrote them from the state.
    expect(scheduled.lines.find(ended(2))).toMatchObject({ exit_code: 0, items: { total: 12, failed: 0, written: 12 }, state: { new: 12 } });
    expect(third).toMatchObject({ exit_code: 0, status: 'done', items: { failed: 0, written: 12 }, report: path.join(out, 'nightly.report.json') });
    const started = scheduled.lines.find((l) => /^schedule: nightly runs at "\* \* \* \* \* \*"; next run at /.test(l.msg));
    expect(started).toBeDefined();
    // Each end names the next time, a whole second (croner's six fields) after the run's start.
    for (const end of [first, third]) {
      expect(end.msg).toMatch(/; next run at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
      expect(Date.parse(end.next as string)).toBeGreaterThan(end.time as number - 1000);
    }
    expect(scheduled.messages().at(-1)).toMatch(/^schedule: stopped after \d+ runs \(SIGTERM\)$/);
    const report = JSON.parse(await readFile(path.join(out, 'nightly.report.json'), 'utf8'));
    expect(report).toMatchObject({ status: 'done', exit_code: 0, items: { failed: 0, written: 12 } });
    expect(report.state.run).toBeGreaterThanOrEqual(3);
  } finally {
    scheduled.kill();
  }
}, 60_000);

test('SIGTERM during a run cancels it: its report is written (aborted), exit 1; a pipeline without state: is run with a warning', async () => {
  sandbox.addFault({ path: '/search', delayMs: 15_000, times: 1 });
  const scheduled = new Scheduled([await pipelineFile({ schedule: '* * * * * *', state: false }), '--schedule']);
  try {
    await scheduled.waitFor((l) => l.msg === 'schedule: run 1 started');
    const deadline = Date.now() + 20_000;
    while (!sandbox.requests.some((r) => r.path === '/search') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    scheduled.child.kill('SIGTERM');
    expect(await scheduled.exited).toBe(1);

    expect(scheduled.lines.find((l) => l.level === 40 && /has no `state:`: every run starts from zero/.test(l.msg))).toBeDefined();
    expect(scheduled.messages()).toContain('schedule: cancelling run 1 (SIGTERM)');
    expect(scheduled.lines.find(ended(1))).toMatchObject({ exit_code: 1, status: 'aborted' });
    expect(scheduled.messages().at(-1)).toBe('schedule: stopped after 1 run (SIGTERM; run 1 was cancelled)');
    const report = JSON.parse(await readFile(path.join(out, 'nightly.report.json'), 'utf8'));
    expect(report).toMatchObject({ status: 'aborted', exit_code: 1, error: { code: 'ERR_CANCELLED' } });
  } finally {
    scheduled.kill();
  }
}, 60_000);

test('--stop-timeout lets the current run finish (exit 0); a time that comes while a run is going is skipped and logged', async () => {
  sandbox.addFault({ path: '/search', delayMs: 3500, times: 1 });
  const scheduled = new Scheduled([await pipelineFile({ schedule: '* * * * * *' }), '--schedule', '--stop-timeout', '30s']);
  try {
    const skipped = await scheduled.waitFor((l) => /^schedule: a run was due but run 1 \(started .*\) is still going: skipped; next run at /.test(l.msg));
    scheduled.child.kill('SIGTERM');
    expect(await scheduled.exited).toBe(0);

    expect(skipped).toMatchObject({ level: 40, running: 1 });
    expect(scheduled.messages()).toContain('schedule: SIGTERM: waiting up to 30 s for run 1 to finish (send it again to cancel the run now)');
    // Stopping: the end says no next time.
    expect(scheduled.lines.find(ended(1))).toMatchObject({ exit_code: 0, status: 'done', msg: `schedule: run 1 ended: exit 0 (done), 12 items, 0 failed, 12 written, report ${path.join(out, 'nightly.report.json')}` });
    expect(scheduled.lines.filter((l) => /^schedule: run \d+ started$/.test(l.msg))).toHaveLength(1);
    expect(scheduled.messages().at(-1)).toBe('schedule: stopped after 1 run (SIGTERM)');
    expect(JSON.parse(await readFile(path.join(out, 'nightly.report.json'), 'utf8'))).toMatchObject({ status: 'done', items: { total: 12 } });
  } finally {
    scheduled.kill();
  }
}, 60_000);

test('the stop timeout runs out: the run is cancelled (exit 1); so it is by a second SIGTERM', async () => {
  sandbox.addFault({ path: '/search', delayMs: 15_000, times: 2 });
  for (const stop of ['timeout', 'second signal'] as const) {
    sandbox.clearRequests();
    const scheduled = new Scheduled([await pipelineFile({ schedule: '* * * * * *' }), '--schedule', '--stop-timeout', stop === 'timeout' ? '500ms' : '30s']);
    try {
      await scheduled.waitFor((l) => l.msg === 'schedule: run 1 started');
      const deadline = Date.now() + 20_000;
      while (!sandbox.requests.some((r) => r.path === '/search') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      scheduled.child.kill('SIGTERM');
      await scheduled.waitFor((l) => /^schedule: SIGTERM: waiting up to /.test(l.msg));
      if (stop === 'second signal') scheduled.child.kill('SIGTERM');
      expect(await scheduled.exited).toBe(1);
      expect(scheduled.messages()).toContain(stop === 'timeout' ? 'schedule: cancelling run 1 (stop timeout of 500 ms)' : 'schedule: cancelling run 1 (SIGTERM)');
      expect(scheduled.lines.find(ended(1))).toMatchObject({ exit_code: 1, status: 'aborted' });
    } finally {
      scheduled.kill();
    }
  }
}, 60_000);

test('schedule_timezone: the times are read in that zone', async () => {
  const scheduled = new Scheduled([await pipelineFile({ schedule: '0 3 * * *', timezone: 'America/New_York' }), '--schedule']);
  try {
    const started = await scheduled.waitFor((l) => /^schedule: nightly runs at /.test(l.msg));
    scheduled.child.kill('SIGTERM');
    expect(await scheduled.exited).toBe(0);
    expect(started).toMatchObject({ schedule: '0 3 * * *', timezone: 'America/New_York', msg: expect.stringContaining('"0 3 * * *" (America/New_York); next run at ') });
    const next = new Date(started.next as string);
    const inNewYork = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(next);
    expect(inNewYork).toBe('03:00');
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    expect(scheduled.messages().at(-1)).toBe('schedule: stopped after 0 runs (SIGTERM)');
  } finally {
    scheduled.kill();
  }
});

test('--schedule on a pipeline without schedule: is a usage error (exit 2), and nothing runs', async () => {
  const result = await runBin('run-pipeline', [await pipelineFile(), '--schedule'], { cwd: out, env: { OUT_DIR: out }, timeoutMs: CHILD_LIMIT_MS });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('nightly.yaml: --schedule runs a pipeline at the times of its `schedule:`, and this one has none');
  expect(sandbox.requests).toEqual([]);
});

test('a schedule croner cannot read, or an unknown time zone, is a located error of the file (exit 2)', async () => {
  const file = await pipelineFile({ schedule: '61 * * * *' });
  await writeFile(file, (await readFile(file, 'utf8')).replace('state:', 'schedule_timezone: Mars/Olympus\nstate:'));
  const result = await runBin('stacflow', ['validate', file], { cwd: out, env: { OUT_DIR: out }, timeoutMs: CHILD_LIMIT_MS });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`${file}:2:11 schedule: expected a cron schedule such as "0 3 * * *" (minute hour day month weekday, seconds first when 6 fields): Invalid value for minute: 61`);
  expect(result.stderr).toContain(`${file}:3:20 schedule_timezone: expected an IANA time zone such as "Europe/Berlin" or "UTC", got "Mars/Olympus"`);
});
