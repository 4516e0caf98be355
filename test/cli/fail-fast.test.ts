import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runBin } from './run-bin.js';

// Fail fast when everything fails (issue 13 point 3), through the built bin (`npm run build` first): a
// forgotten S3 endpoint makes every label read fail the same way; the run stops after `fail_fast` of them
// in a row with one message naming the cause, instead of failing 60 items one by one.

const CHILD_LIMIT_MS = 40_000;
const COLLECTION = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
let sandbox: Sandbox;
let out: string;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 3, itemsPerCollection: 60 });
  out = await mkdtemp(path.join(tmpdir(), 'stacflow-fail-fast-'));
});
afterAll(async () => {
  await sandbox.close();
  await rm(out, { recursive: true, force: true });
});

async function pipeline(name: string, s3Endpoint: string, extra: string[] = []): Promise<string> {
  const file = path.join(out, `${name}.yaml`);
  await writeFile(
    file,
    [
      `name: ${name}`,
      ...extra,
      `s3: { endpoint: "${s3Endpoint}" }`,
      'http: { retry_base_delay: 10ms, retry_max_delay: 50ms }',
      `source: { stac_search: { api: "${sandbox.url}", collections: [${COLLECTION}] } }`,
      'steps:',
      '  - fetch_label: { asset: caminfo_pvl, as: caminfo, concurrency: 4 }',
      'outputs:',
      `  - csv: { path: "${path.join(out, `${name}.csv`)}" }`,
      '',
    ].join('\n'),
  );
  return file;
}

const reportOf = async (name: string) => JSON.parse(await readFile(path.join(out, `${name}.report.json`), 'utf8'));

test('an S3 endpoint that does not resolve: the run stops after 20 label reads failed in a row, saying what to check, without a stack', async () => {
  const ran = await runBin('run-pipeline', [await pipeline('no-s3', 'http://s3.stacflow-test.invalid:9000')], { cwd: out, timeoutMs: CHILD_LIMIT_MS });
  expect(ran.code).toBe(1);
  const report = await reportOf('no-s3');
  expect(report.status).toBe('aborted');
  expect(report.error).toMatchObject({ code: 'ERR_FAILING_STAGE' });
  expect(report.error.message).toMatch(/^fetch_label: 20 entries in a row failed with \S+/);
  expect(report.error.message).toContain('s3.stacflow-test.invalid');
  expect(report.error.message).toContain('the host name does not resolve: is s3.endpoint right, and is there a network?');
  // Not every item was tried: the run stopped at the streak (a few more may have been in flight).
  const failedReads = report.stages.find((s: { label: string }) => s.label === 'fetch_label').failed;
  expect(failedReads).toBeGreaterThanOrEqual(20);
  expect(failedReads).toBeLessThan(30);
  expect(ran.stderr).toContain('fetch_label: 20 entries in a row failed with');
  expect(ran.stderr).not.toMatch(/\n\s+at \S+ \(file:/); // no stack trace for an expected error
});

test('fail_fast: false tries and reports every item; a lower fail_fast stops sooner', async () => {
  const every = await runBin('run-pipeline', [await pipeline('every', 'http://s3.stacflow-test.invalid:9000', ['fail_fast: false'])], { cwd: out, timeoutMs: CHILD_LIMIT_MS });
  expect(every.code).toBe(3);
  expect((await reportOf('every')).items).toMatchObject({ total: 60, failed: 60 });
  const five = await runBin('run-pipeline', [await pipeline('five', 'http://s3.stacflow-test.invalid:9000', ['fail_fast: 5'])], { cwd: out, timeoutMs: CHILD_LIMIT_MS });
  expect(five.code).toBe(1);
  expect((await reportOf('five')).error.message).toMatch(/^fetch_label: 5 entries in a row failed/);
});

test('failures of one item here and there never stop a run', async () => {
  // Every other label refused (fast, where the others take their body's time): in the order reads end, a few
  // refusals may come in a row, never 20 (an item enters only as one ends).
  const ids = sandbox.catalog.search({ collections: [COLLECTION] }).map((e) => e.id);
  ids.filter((_, i) => i % 2 === 0).forEach((id) => sandbox.s3!.addFault({ match: `${id}/caminfo_pvl`, status: 403, times: Infinity }));
  const ran = await runBin('run-pipeline', [await pipeline('some', sandbox.s3Endpoint)], { cwd: out, timeoutMs: CHILD_LIMIT_MS });
  expect(ran.code).toBe(3);
  expect((await reportOf('some')).items).toMatchObject({ total: 60, failed: 30 });
});
