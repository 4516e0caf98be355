import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../catalog/catalog-run.js';
import { ROOT } from '../cli/run-bin.js';
import { OUTPUT_BUCKET, S3RVER_CREDENTIALS, startOutputFixture, type OutputFixture } from './s3-outputs.js';

/**
 * Issue 14's sharded run with its outputs on S3: two shards write their catalogs and reports under one
 * s3:// prefix, then `stacflow merge` reads them back from there and writes the merged files there.
 */
const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
let fx: OutputFixture;
beforeAll(async () => {
  fx = await startOutputFixture({ collections: [{ id: MONO, items: 30 }] });
});
afterAll(async () => {
  await fx.close();
});

function bin(name: 'run-pipeline' | 'stacflow', args: string[], dir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', `${name}.js`), ...args], {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: '', TMPDIR: path.join(dir, 'tmp'), ...S3RVER_CREDENTIALS },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 60_000,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

async function writePipeline(dir: string, base: string): Promise<string> {
  await mkdir(path.join(dir, 'tmp'), { recursive: true });
  const file = path.join(dir, 'p.yaml');
  await writeFile(file, [
    'name: sharded',
    `s3: { region: us-west-2, anonymous: true, endpoint: "${fx.sandbox.s3Endpoint}" }`,
    `outputs_s3: { endpoint: "${fx.sandbox.s3Endpoint}" }`,
    `source: { stac_search: { api: "${fx.sandbox.url}", collections: [${MONO}], limit: 10 } }`,
    'steps:',
    '  - fetch_label: { asset: caminfo_pvl, as: caminfo, concurrency: 4 }',
    '  - select: { incidence_angle: caminfo.Caminfo.Geometry.IncidenceAngle }',
    'outputs:',
    `  - csv: { path: "${base}/kaguya.csv" }`,
    `  - ndjson: { path: "${base}/kaguya.ndjson" }`,
    '',
  ].join('\n'));
  return file;
}

const sortedLines = (text: string) => text.split('\n').filter((l) => l !== '').sort();

test('two shards write to s3://…/, stacflow merge reads them from there and writes the merged files there', async () => {
  const local = await tempDir('remote-unsharded');
  expect((await bin('run-pipeline', [await writePipeline(local, path.join(local, 'out')), '-q'], local)).code).toBe(0);

  const dir = await tempDir('remote-sharded');
  const file = await writePipeline(dir, `s3://${OUTPUT_BUCKET}/sharded`);
  for (const shard of ['0/2', '1/2']) {
    const ran = await bin('run-pipeline', [file, '--shard', shard, '-q'], dir);
    expect({ shard, code: ran.code, stderr: ran.stderr.slice(-600) }).toMatchObject({ code: 0 });
  }
  expect(await fx.object('sharded/kaguya.shard-0000-of-0002.csv')).toBeDefined();
  expect(await fx.object('sharded/sharded.shard-0001-of-0002.report.json')).toBeDefined();

  fx.sandbox.s3!.clearRequests();
  const merged = await bin('stacflow', ['merge', file], dir);
  expect({ code: merged.code, stderr: merged.stderr.slice(-800) }).toMatchObject({ code: 0 });
  const csv = (await fx.object('sharded/kaguya.csv'))!.toString();
  const expected = await readFile(path.join(local, 'out', 'kaguya.csv'), 'utf8');
  expect(csv.split('\n')[0]).toBe(expected.split('\n')[0]);
  expect(sortedLines(csv)).toEqual(sortedLines(expected));
  expect(sortedLines((await fx.object('sharded/kaguya.ndjson'))!.toString())).toEqual(sortedLines(await readFile(path.join(local, 'out', 'kaguya.ndjson'), 'utf8')));
  const report = JSON.parse((await fx.object('sharded/sharded.report.json'))!.toString()) as { status: string };
  expect(report.status).toBe('done');
  // The merge read the shard files with signed requests, and only from the output bucket.
  const reads = fx.sandbox.s3!.requests.filter((r) => r.method === 'GET');
  expect(reads.length).toBeGreaterThan(0);
  for (const request of fx.sandbox.s3!.requests) {
    expect(request.bucket).toBe(OUTPUT_BUCKET);
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
  }
}, 90_000);
