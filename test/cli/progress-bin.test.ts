import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runBin } from './run-bin.js';

// run-pipeline off a TTY (stderr a pipe, as in CI or cron): JSON lines only, a progress heartbeat, the summary as
// one JSON line; -v adds pages, skips and drops. Needs `npm run build` (the bin runs dist/).

let sandbox: Sandbox;
let out: string;
beforeAll(async () => {
  // 20 ms a request: the run lasts a few seconds, several heartbeat intervals of 0.2 s.
  sandbox = await startSandbox({ seed: 7, latencyMs: 20 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'stacflow-progress-'));
});

const env = () => ({ STAC_API_URL: sandbox.url, S3_ENDPOINT: sandbox.s3Endpoint, OUT_DIR: out, DATA_DIR: path.join(out, 'data') });
/** The error records of a run, shown by a failing expectation. */
const errorsOf = (stderr: string) => records(stderr).filter((r) => Number(r.level) >= 50).map((r) => r.msg);
const records = (stderr: string) => stderr.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);

test('off a TTY every stderr line is JSON: logs, heartbeats with totals from numberMatched, and the summary as one line', async () => {
  const result = await runBin('run-pipeline', ['pipelines/kaguya-tc.yaml', '--progress-interval', '0.2'], { env: env(), timeoutMs: 60_000 });
  expect(result.code).toBe(0);
  const lines = records(result.stderr); // throws on a line that is not JSON
  expect(lines.every((r) => typeof r.level === 'number' && typeof r.msg === 'string')).toBe(true);
  const beats = lines.filter((r) => r.progress !== undefined);
  expect(beats.length).toBeGreaterThanOrEqual(1);
  const beat = beats.at(-1)?.progress as { expected: number; stages: Array<{ label: string; total?: number }> };
  expect(beat.expected).toBeGreaterThan(0);
  expect(beat.stages.map((s) => s.label)).toEqual(['stac_search', 'fetch_label', 'select', 'filter', 'download', 'rclone_manifest', 'csv']);
  expect(beat.stages[0].total).toBe(beat.expected);
  // The rclone command, the tutorial's deliverable, is logged at info.
  expect(lines.some((r) => String(r.msg).includes('to copy them, run: rclone'))).toBe(true);
  const last = lines.at(-1) as { msg: string; summary: { status: string; items: { total: number }; report: string } };
  expect(last.msg).toMatch(/^kaguya-tc: done in [\d.]+ s — \d+ items, 0 failed$/);
  expect(last.summary).toMatchObject({ status: 'done', report: path.join(out, 'kaguya-tc.report.json') });
  expect(last.summary.items.total).toBe(beat.expected);
}, 90_000);

test('-v logs pages, skipped files and dropped items; a second run counts its files as already there', async () => {
  const first = await runBin('run-pipeline', ['pipelines/kaguya-tc.yaml', '--no-progress'], { env: env(), timeoutMs: 60_000 });
  expect([first.code, errorsOf(first.stderr)]).toEqual([0, []]);
  expect(records(first.stderr).some((r) => r.progress !== undefined)).toBe(false);
  const second = await runBin('run-pipeline', ['pipelines/kaguya-tc.yaml', '-v', '--no-progress'], { env: env(), timeoutMs: 60_000 });
  expect([second.code, errorsOf(second.stderr)]).toEqual([0, []]);
  const lines = records(second.stderr);
  const messages = lines.map((r) => String(r.msg));
  expect(messages.some((m) => /stac_search: search of \S+, page 1: \d+ items/.test(m))).toBe(true);
  expect(messages.some((m) => /^filter: dropped \S+: not /.test(m))).toBe(true);
  const skips = lines.filter((r) => /already there \(same href, size and ETag\), skipped$/.test(String(r.msg)));
  expect(skips.length).toBeGreaterThan(0);
  const summary = lines.at(-1) as { summary: { items: { written: number } } };
  expect(skips.length).toBe(summary.summary.items.written);
}, 120_000);

test('-q: no heartbeat, no summary, nothing but failures', async () => {
  const result = await runBin('run-pipeline', ['pipelines/kaguya-tc.yaml', '-q', '--progress-interval', '0.2'], { env: env(), timeoutMs: 60_000 });
  expect(result.code).toBe(0);
  expect(result.stderr).toBe('');
}, 90_000);

test('--progress-interval must be a number of seconds above 0', async () => {
  const result = await runBin('run-pipeline', ['pipelines/kaguya-tc.yaml', '--progress-interval', '0'], { env: env() });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('--progress-interval: expected a number of seconds above 0, got 0');
});
