import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { ROOT, runBin } from './run-bin.js';

// The tutorial's pipeline through the bin against the sandbox, an unreachable API, and the demo. The tutorial
// end to end (download, a second run, rclone copy) is in tutorial-e2e.test.ts, in the slow jest project.

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
  // The tutorial's pipeline with backoffs of milliseconds: its 5 retries of a refused connection would wait ~30 s.
  const tutorial = await readFile(path.join(ROOT, 'pipelines', 'kaguya-tc.yaml'), 'utf8');
  const quickRetries = tutorial.replace(/^source:$/m, 'http: { retry_base_delay: 10ms, retry_max_delay: 50ms }\nsource:');
  expect(quickRetries).not.toBe(tutorial);
  const pipeline = path.join(await mkdtemp(path.join(tmpdir(), 'stacflow-e2e-pipeline-')), 'kaguya-tc.yaml');
  await writeFile(pipeline, quickRetries);
  const result = await runBin('run-pipeline', [pipeline], {
    env: { STAC_API_URL: 'http://127.0.0.1:9/', OUT_DIR: out },
  });
  expect(result.code).toBe(1);
  expect((await readdir(out)).sort()).toEqual(['kaguya-tc.report.html', 'kaguya-tc.report.json']);
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
  // One command per collection, into the folders download wrote; and the sandbox they read is said to be gone.
  expect(result.stdout).toMatch(/s3_noauth:astrogeo-ard\/moon\/kaguya\/terrain_camera\/monoscopic\/uncontrolled \S+\/data\/kaguya_terrain_camera_monoscopic_uncontrolled_observations /);
  expect(result.stdout).toMatch(/they read the demo's sandbox S3, http:\/\/127\.0\.0\.1:\d+, which is stopped when the demo ends/);
  expect((await readdir(out)).sort()).toEqual([
    'data',
    'kaguya-tc.csv',
    'kaguya-tc.report.html',
    'kaguya-tc.report.json',
    'kaguyatc_images_to_download.astrogeo-ard.1.files.txt',
    'kaguyatc_images_to_download.astrogeo-ard.2.files.txt',
    'kaguyatc_images_to_download.astrogeo-ard.3.files.txt',
    'kaguyatc_images_to_download.txt',
  ]);
});
