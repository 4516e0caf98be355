import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runBin } from './run-bin.js';

const COLLECTIONS = [
  'kaguya_terrain_camera_stereoscopic_uncontrolled_observations',
  'kaguya_terrain_camera_spsupport_uncontrolled_observations',
  'kaguya_terrain_camera_monoscopic_uncontrolled_observations',
];

let sandbox: Sandbox;
let out: string;
beforeAll(async () => { sandbox = await startSandbox({ seed: 7 }); });
afterAll(async () => { await sandbox.close(); });
beforeEach(async () => { out = await mkdtemp(path.join(tmpdir(), 'stacflow-e2e-')); });

test('run-pipeline pipelines/kaguya-tc.yaml reads the labels from S3 and writes exactly the items lit at < 80° incidence, and a report', async () => {
  const result = await runBin('run-pipeline', ['pipelines/kaguya-tc.yaml'], { env: { STAC_API_URL: sandbox.url, S3_ENDPOINT: sandbox.s3Endpoint, OUT_DIR: out, DATA_DIR: path.join(out, 'data') } });
  expect(result.code).toBe(0);
  const rows = parse(await readFile(path.join(out, 'kaguya-tc.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
  const found = COLLECTIONS.flatMap((c) => sandbox.catalog.search({ collections: [c], bbox: [3, 4, 5, 6] }).slice(0, 200));
  // A NULL IncidenceAngle (the label's null-geometry variant) never matches `incidence_angle < 80`.
  const kept = found.filter((e) => (sandbox.s3!.caminfo(e.id).incidenceAngle ?? Infinity) < 80);
  // Labels are fetched 32 at a time, but entries leave fetch_label in search order.
  expect(rows.map((r) => `${r.collection}/${r.id}`)).toEqual(kept.map((e) => `${e.collection}/${e.id}`));
  expect(rows.length).toBeGreaterThan(10);
  expect(kept.length).toBeLessThan(found.length);
  expect(Object.keys(rows[0]).slice(0, 8)).toEqual(['id', 'collection', 'datetime', 'incidence_angle', 'emission_angle', 'phase_angle', 'gsd', 'start']);
  for (const row of rows) {
    const label = sandbox.s3!.caminfo(row.id);
    expect([row.id, Number(row.incidence_angle), Number(row.emission_angle), Number(row.phase_angle)]).toEqual([row.id, label.incidenceAngle, label.emissionAngle, label.phaseAngle]);
  }
  expect(Number(rows[0].gsd)).toBeGreaterThan(0);
  const report = JSON.parse(await readFile(path.join(out, 'kaguya-tc.report.json'), 'utf8'));
  expect(report).toMatchObject({ status: 'done', exit_code: 0, items: { total: found.length, failed: 0, written: rows.length } });
  expect(report.stages.find((s: { label: string }) => s.label === 'fetch_label')).toMatchObject({ in: found.length, out: found.length, counters: { fetched: found.length } });
  expect(report.stages.find((s: { label: string }) => s.label === 'filter')).toMatchObject({ dropped: found.length - rows.length });
  expect(result.stderr).toContain(`kaguya-tc: done in`);
  // Not a TTY: logs are JSON lines.
  expect(result.stderr.split('\n').filter((l) => l.startsWith('{')).every((l) => typeof JSON.parse(l).level === 'number')).toBe(true);
});

test('an unreachable API aborts the run: exit 1, no CSV under the final name, a report with the error', async () => {
  const result = await runBin('run-pipeline', ['pipelines/kaguya-tc.yaml'], {
    env: { STAC_API_URL: 'http://127.0.0.1:9/', OUT_DIR: out },
  });
  expect(result.code).toBe(1);
  expect(await readdir(out)).toEqual(['kaguya-tc.report.json']);
  expect(result.stderr).not.toContain('rclone copy'); // no manifest from an aborted run
  const report = JSON.parse(await readFile(path.join(out, 'kaguya-tc.report.json'), 'utf8'));
  expect(report.status).toBe('aborted');
  expect(report.error.code).toBe('ERR_STAC_UNREACHABLE');
  expect(report.error.message).toContain('http://127.0.0.1:9/');
}, 60_000);

test('npm run demo: sandbox, pipeline and a look at what it wrote', async () => {
  const result = await runBin('stacflow', ['demo', '--out', out]);
  expect(result.code).toBe(0);
  expect(result.stderr).toMatch(/sandbox STAC API on http:\/\/127\.0\.0\.1:\d+\//);
  expect(result.stdout).toContain(`${path.join(out, 'kaguya-tc.csv')} (`);
  expect(result.stdout).toContain('id,collection,datetime,incidence_angle,emission_angle,phase_angle,gsd,start');
  expect(result.stdout).toMatch(/download: \d+ files downloaded \([\d.]+ MiB\), 0 already there, 0 resumed, 0 items failed/);
  expect(result.stdout).toContain('s3_noauth:/astrogeo-ard/moon/kaguya/terrain_camera/');
  expect(result.stdout).toMatch(/the same copy with rclone:\n  rclone copy --config \S+rclone\.conf --files-from /);
  expect((await readdir(out)).sort()).toEqual([
    'data',
    'kaguya-tc.csv',
    'kaguya-tc.report.json',
    'kaguyatc_images_to_download.astrogeo-ard.files.txt',
    'kaguyatc_images_to_download.txt',
  ]);
});

// rclone from Debian (.ci/run installs it); a machine without it skips this test, CI never does.
const HAVE_RCLONE = spawnSync('rclone', ['version'], { stdio: 'ignore' }).status === 0;
const withRclone = HAVE_RCLONE || process.env.CI ? test : test.skip;

withRclone('the tutorial end to end: images downloaded and verified, a second run only checks them, rclone copies the same files from the manifest', async () => {
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

  // The manifest, run through rclone as the report prints it, gives the same bytes.
  const [command] = secondReport.outputs.rclone_manifest.commands as string[];
  const rcloneEnv = { ...process.env };
  delete rcloneEnv.AWS_CA_BUNDLE; // set on this machine; it breaks rclone's S3 client
  const copy = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { env: rcloneEnv, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  expect(copy).toBe(0);
  const lines = (await readFile(path.join(out, 'kaguyatc_images_to_download.txt'), 'utf8')).trim().split('\n');
  expect(lines).toHaveLength(rows.length);
  for (const row of rows) {
    const key = sandbox.s3!.key(row.id, 'image');
    expect(lines).toContain(`s3_noauth:/astrogeo-ard/${key}`);
    const viaRclone = await readFile(path.join(data, key));
    const viaStacflow = await readFile(path.join(data, row.collection, row.id, `${row.id}.tif`));
    expect(Buffer.compare(viaRclone, viaStacflow)).toBe(0);
  }
}, 120_000);
