import { spawn } from 'node:child_process';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { outputClientFor } from '../../src/s3/output-client.js';
import { tempDir } from '../catalog/catalog-run.js';
import { ROOT } from '../cli/run-bin.js';
import { OUTPUT_BUCKET, S3RVER_CREDENTIALS, startOutputFixture, type OutputFixture } from './s3-outputs.js';

/**
 * Outputs to an S3 prefix (issue 14 point 2), through the bin against the sandbox: the STAC API, its anonymous
 * S3 for labels, and s3rver as the output bucket (signed with the S3RVER keys from the environment).
 */
const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
let fx: OutputFixture;
beforeAll(async () => {
  // 10 ms a request: a run lasts long enough for the SIGKILL case to land before its uploads.
  fx = await startOutputFixture({ collections: [{ id: MONO, items: 40 }], latencyMs: 10, s3: { latencyMs: 10 } });
});
afterAll(async () => {
  await fx.close();
});

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** run-pipeline FILE -q in `dir`, with its own TMPDIR (the staged outputs), killed with SIGKILL once `killWhen` says so. */
function run(file: string, options: { env?: Record<string, string>; killWhen?: () => boolean } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const dir = path.dirname(file);
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run-pipeline.js'), file, '-q'], {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: '', TMPDIR: path.join(dir, 'tmp'), ...S3RVER_CREDENTIALS, ...options.env },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 60_000,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const { killWhen } = options;
    const timer = killWhen === undefined ? undefined : setInterval(() => killWhen() && child.kill('SIGKILL'), 5);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** A pipeline writing csv and geoparquet under `base` (a folder or s3://bucket/prefix), its report beside them. */
async function writePipeline(dir: string, base: string, extra: { state?: boolean; outputs?: string[]; filter?: string } = {}): Promise<string> {
  await mkdir(path.join(dir, 'tmp'), { recursive: true });
  const file = path.join(dir, 'p.yaml');
  await writeFile(
    file,
    [
      'name: remote',
      ...(extra.state ? [`state: ${path.join(dir, 'state.sqlite')}`] : []),
      `s3: { region: us-west-2, anonymous: true, endpoint: "${fx.sandbox.s3Endpoint}" }`,
      `outputs_s3: { endpoint: "${fx.sandbox.s3Endpoint}", part_size: 5MiB }`,
      `source: { stac_search: { api: "${fx.sandbox.url}", collections: [${MONO}], limit: 10 } }`,
      'steps:',
      '  - fetch_label: { asset: caminfo_pvl, as: caminfo, concurrency: 2 }',
      '  - select: { incidence_angle: caminfo.Caminfo.Geometry.IncidenceAngle }',
      ...(extra.filter ? [`  - filter: "${extra.filter}"`] : []),
      'outputs:',
      `  - csv: { path: "${base}/kaguya.csv" }`,
      `  - geoparquet: { path: "${base}/kaguya.parquet" }`,
      ...(extra.outputs ?? []),
      '',
    ].join('\n'),
  );
  return file;
}

const s3Requests = (bucket: string) => fx.sandbox.s3!.requests.filter((r) => r.bucket === bucket);

test('csv, geoparquet, the report and report.html go to s3://bucket/prefix/, equal to a local run; only output requests are signed', async () => {
  const local = await tempDir('remote-local');
  expect((await run(await writePipeline(local, path.join(local, 'out')))).code).toBe(0);

  const dir = await tempDir('remote-s3');
  fx.sandbox.s3!.clearRequests();
  const ran = await run(await writePipeline(dir, `s3://${OUTPUT_BUCKET}/nightly/run-1`));
  expect({ code: ran.code, stderr: ran.stderr.slice(-800) }).toMatchObject({ code: 0 });

  const csv = await fx.object('nightly/run-1/kaguya.csv');
  expect(csv?.equals(await readFile(path.join(local, 'out', 'kaguya.csv')))).toBe(true);
  expect(csv!.toString().split('\n').length).toBeGreaterThan(10);
  const parquet = await fx.object('nightly/run-1/kaguya.parquet');
  expect(parquet?.equals(await readFile(path.join(local, 'out', 'kaguya.parquet')))).toBe(true);
  const report = JSON.parse((await fx.object('nightly/run-1/remote.report.json'))!.toString()) as { status: string; outputs: Record<string, { path: string; rows: number }> };
  expect(report.status).toBe('done');
  expect(report.outputs.csv).toMatchObject({ path: `s3://${OUTPUT_BUCKET}/nightly/run-1/kaguya.csv` });
  expect(report.outputs.geoparquet.path).toBe(`s3://${OUTPUT_BUCKET}/nightly/run-1/kaguya.parquet`);
  expect((await fx.object('nightly/run-1/remote.report.html'))?.toString()).toMatch(/^<!doctype html>/i);
  // Nothing staged is left in the run's temporary directory.
  expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);

  // Labels were read anonymously; every request to the output bucket carried the signature.
  const reads = s3Requests('astrogeo-ard');
  expect(reads.length).toBeGreaterThan(10);
  expect(reads.filter((r) => r.headers.authorization !== undefined || r.headers['x-amz-date'] !== undefined)).toEqual([]);
  const writes = s3Requests(OUTPUT_BUCKET);
  expect(writes.filter((r) => r.method === 'PUT').map((r) => r.key).sort()).toEqual(
    ['kaguya.csv', 'kaguya.parquet', 'remote.report.html', 'remote.report.json'].map((name) => `nightly/run-1/${name}`),
  );
  for (const request of writes) expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=S3RVER\//);
}, 60_000);

test('an output that fails aborts the run: no catalog object under its key, the report (aborted) uploaded, exit 1', async () => {
  const dir = await tempDir('remote-failing');
  const file = await writePipeline(dir, `s3://${OUTPUT_BUCKET}/failing`, { outputs: ['  - ndjson: { path: /dev/null/not-a-folder/x.ndjson }'] });
  const ran = await run(file);
  expect(ran.code).toBe(1);
  expect(ran.stderr).toContain('/dev/null/not-a-folder/x.ndjson');
  expect(await fx.object('failing/kaguya.csv')).toBeUndefined();
  expect(await fx.object('failing/kaguya.parquet')).toBeUndefined();
  const report = JSON.parse((await fx.object('failing/remote.report.json'))!.toString()) as { status: string };
  expect(report.status).toBe('aborted');
  expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
}, 60_000);

test('a run SIGKILLed mid-way uploads nothing; the next run removes its staged files and publishes whole objects', async () => {
  const dir = await tempDir('remote-killed');
  const file = await writePipeline(dir, `s3://${OUTPUT_BUCKET}/killed`);
  fx.sandbox.s3!.clearRequests();
  // Killed once it has read a few labels: mid-run, well before its outputs finish.
  const killed = await run(file, { killWhen: () => s3Requests('astrogeo-ard').length >= 4 });
  expect(killed.signal).toBe('SIGKILL');
  expect(s3Requests('astrogeo-ard').length).toBeGreaterThan(0); // it was reading labels
  expect(s3Requests(OUTPUT_BUCKET)).toEqual([]);
  expect(await fx.object('killed/kaguya.csv')).toBeUndefined();
  const staged = await readdir(path.join(dir, 'tmp'));
  expect(staged).toEqual([expect.stringMatching(/^stacflow-outputs-\d+-\d+$/)]);

  const again = await run(file);
  expect(again.code).toBe(0);
  expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
  expect((await fx.object('killed/kaguya.csv'))!.toString().split('\n').length).toBeGreaterThan(10);
}, 60_000);

test('a bucket that does not exist: exit 1, the message names the s3:// URL and what to check', async () => {
  const dir = await tempDir('remote-nobucket');
  const ran = await run(await writePipeline(dir, 's3://no-such-bucket/x'));
  expect(ran.code).toBe(1);
  expect(ran.stderr).toMatch(/cannot upload s3:\/\/no-such-bucket\/x\/kaguya\.csv \(endpoint http:\/\/127\.0\.0\.1:\d+\): NoSuchBucket/);
}, 60_000);

test('credentials the endpoint refuses: exit 1, the message names the URL and where credentials come from', async () => {
  const dir = await tempDir('remote-denied');
  const ran = await run(await writePipeline(dir, `s3://${OUTPUT_BUCKET}/denied`), { env: { AWS_ACCESS_KEY_ID: 'SOMEONE-ELSE' } });
  expect(ran.code).toBe(1);
  expect(ran.stderr).toMatch(/cannot upload s3:\/\/stacflow-outputs\/denied\/kaguya\.csv .*InvalidAccessKeyId.*AWS_ACCESS_KEY_ID/);
  expect(await fx.object('denied/kaguya.csv')).toBeUndefined();
}, 60_000);

test('with state:, a run that changed nothing keeps the S3 objects (a HEAD each, no upload); one changed since is uploaded again', async () => {
  const dir = await tempDir('remote-kept');
  const file = await writePipeline(dir, `s3://${OUTPUT_BUCKET}/kept`, { state: true });
  expect((await run(file)).code).toBe(0);
  const first = await fx.object('kept/kaguya.csv');

  fx.sandbox.s3!.clearRequests();
  expect((await run(file)).code).toBe(0);
  const catalogs = s3Requests(OUTPUT_BUCKET).filter((r) => r.key === 'kept/kaguya.csv' || r.key === 'kept/kaguya.parquet');
  expect(catalogs.map((r) => `${r.method} ${r.key}`).sort()).toEqual(['HEAD kept/kaguya.csv', 'HEAD kept/kaguya.parquet']);
  const report = JSON.parse((await fx.object('kept/remote.report.json'))!.toString()) as { outputs: Record<string, { unchanged?: boolean }> };
  expect(report.outputs.csv.unchanged).toBe(true);

  // Someone overwrites the csv: its ETag changes, so the next run writes both catalogs again.
  await outputClientFor(fx.settings).send(new PutObjectCommand({ Bucket: OUTPUT_BUCKET, Key: 'kept/kaguya.csv', Body: 'tampered\n' }));
  fx.sandbox.s3!.clearRequests();
  expect((await run(file)).code).toBe(0);
  expect(s3Requests(OUTPUT_BUCKET).filter((r) => r.method === 'PUT').map((r) => r.key)).toEqual(expect.arrayContaining(['kept/kaguya.csv', 'kept/kaguya.parquet']));
  // The same rows (a catalog rebuilt from the state lists them in the state's order).
  const rows = (text: string) => text.split('\n').sort();
  expect(rows((await fx.object('kept/kaguya.csv'))!.toString())).toEqual(rows(first!.toString()));
}, 90_000);
