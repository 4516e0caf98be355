import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runBin } from './run-bin.js';

// The tutorial end to end through the bin: two runs of pipelines/kaguya-tc.yaml (download, then only checks)
// and the rclone copy its manifest prints, against the sandbox. In the slow jest project (`npm run test:all`);
// run-pipeline.test.ts keeps the tutorial's run and its CSV in the default one.

let sandbox: Sandbox;
let out: string;
beforeAll(async () => { sandbox = await startSandbox({ seed: 7 }); });
afterAll(async () => { await sandbox.close(); });
beforeEach(async () => { out = await mkdtemp(path.join(tmpdir(), 'stacflow-e2e-')); });

// rclone from Debian (.ci/run installs it); a machine without it skips this test, CI never does.
const HAVE_RCLONE = spawnSync('rclone', ['version'], { stdio: 'ignore' }).status === 0;
const withRclone = HAVE_RCLONE || process.env.CI ? test : test.skip;

withRclone('the tutorial end to end: images downloaded and verified, a second run only checks them, the manifest\'s rclone commands find them current', async () => {
  const data = path.join(out, 'data');
  const env = { STAC_API_URL: sandbox.url, S3_ENDPOINT: sandbox.s3Endpoint, OUT_DIR: out, DATA_DIR: data };
  const first = await runBin('run-pipeline', ['pipelines/kaguya-tc.yaml'], { env });
  expect(first.code).toBe(0);
  const rows = parse(await readFile(path.join(out, 'kaguya-tc.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
  for (const row of rows) {
    const file = path.join(data, row.collection, row.id, `${row.id}.tif`);
    expect(Buffer.compare(await readFile(file), Buffer.from(sandbox.s3!.image(row.id)))).toBe(0);
  }
  const report = JSON.parse(await readFile(path.join(out, 'kaguya-tc.report.json'), 'utf8'));
  expect(report.stages.find((s: { label: string }) => s.label === 'download').counters).toMatchObject({ downloaded: rows.length });

  // Second run: every image is already there, same size and ETag: a HEAD each, no GET.
  const isImage = (r: { key?: string }) => r.key?.endsWith('.tif') ?? false;
  const before = sandbox.s3!.requests.filter(isImage).length;
  const second = await runBin('run-pipeline', ['pipelines/kaguya-tc.yaml'], { env });
  expect(second.code).toBe(0);
  const again = sandbox.s3!.requests.filter(isImage).slice(before);
  expect(again.map((r) => r.method)).toEqual(rows.map(() => 'HEAD'));
  const secondReport = JSON.parse(await readFile(path.join(out, 'kaguya-tc.report.json'), 'utf8'));
  expect(secondReport.stages.find((s: { label: string }) => s.label === 'download').counters).toMatchObject({ skipped: rows.length });
  expect(secondReport.stages.find((s: { label: string }) => s.label === 'download').counters.downloaded).toBeUndefined();

  // The manifest's commands, run as the report prints them, copy into the layout download used: they find
  // every image current (no GET) and store no second copy.
  const commands = secondReport.outputs.rclone_manifest.commands as string[];
  const rcloneEnv = { ...process.env };
  delete rcloneEnv.AWS_CA_BUNDLE; // set on this machine; it breaks rclone's S3 client
  const beforeCopy = sandbox.s3!.requests.length;
  for (const command of commands) {
    const copy = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('sh', ['-c', command], { env: rcloneEnv, stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    expect(copy).toBe(0);
  }
  expect(sandbox.s3!.requests.slice(beforeCopy).filter((r) => isImage(r) && r.method === 'GET')).toEqual([]);
  const lines = (await readFile(path.join(out, 'kaguyatc_images_to_download.txt'), 'utf8')).trim().split('\n');
  expect(lines).toHaveLength(rows.length);
  for (const row of rows) {
    const key = sandbox.s3!.key(row.id, 'image');
    expect(lines).toContain(`s3_noauth:/astrogeo-ard/${key}`);
    const file = await readFile(path.join(data, row.collection, row.id, `${row.id}.tif`));
    expect(Buffer.compare(file, Buffer.from(sandbox.s3!.image(row.id)))).toBe(0);
  }
  expect((await readdir(data)).sort()).toEqual([...new Set(rows.map((r) => r.collection))].sort());
}, 120_000);
