import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import type { DryRunPlan } from '../../src/cli/dry-run-types.js';
import { runBin } from './run-bin.js';

/**
 * Issue 13 point 2: `run-pipeline FILE --dry-run` asks the API what the run would find, prints the plan, and
 * writes nothing; configuration errors it finds (an unknown collection, a misspelled asset key) exit 2, located.
 * The built bins against the sandbox on 127.0.0.1 (`npm run build` first).
 */

const STEREO = 'kaguya_terrain_camera_stereoscopic_uncontrolled_observations';
const SPSUPPORT = 'kaguya_terrain_camera_spsupport_uncontrolled_observations';
const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
const IMAGE_BYTES = 48 * 1024;
const BBOX = [3, 4, 5, 6];

/** The tutorial's pipeline, written here so that the test says what it plans. */
const PIPELINE = `name: tc
s3: { region: us-west-2, anonymous: true, endpoint: "\${S3_ENDPOINT}" }
source:
  stac_search:
    api: "\${STAC_API_URL}"
    collections:
      - ${STEREO}
      - ${SPSUPPORT}
      - ${MONO}
    per_collection: true
    bbox: [3, 4, 5, 6]
    max_items: 5
steps:
  - fetch_label: { asset: caminfo_pvl, as: caminfo }
  - download: { assets: [image], to: "data/{collection}/{id}/" }
  - filter: "caminfo.Caminfo.Geometry.IncidenceAngle < 80"
  - rclone_manifest: { assets: [image], path: out/list.txt }
outputs:
  - csv: { path: out/tc.csv }
`;

let described: Sandbox; // collections with item_assets (file:size of the image)
let bare: Sandbox; // collections as the copied documents: no item_assets
beforeAll(async () => {
  [described, bare] = await Promise.all([
    startSandbox({ seed: 7, itemsPerCollection: 400, itemAssets: true, s3: { imageBytes: IMAGE_BYTES } }),
    startSandbox({ seed: 7, itemsPerCollection: 400 }),
  ]);
});
afterAll(async () => {
  await Promise.all([described.close(), bare.close()]);
});

/** The pipeline (text) in a folder of its own; the bin runs in another, empty one, which must stay empty. */
async function dryRun(sandbox: Sandbox, args: string[] = [], text = PIPELINE) {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'stacflow-dry-file-')), 'tc.yaml');
  await writeFile(file, text);
  const cwd = await mkdtemp(path.join(tmpdir(), 'stacflow-dry-cwd-'));
  sandbox.clearRequests();
  sandbox.s3?.clearRequests();
  const result = await runBin('run-pipeline', [file, '--dry-run', ...args], { cwd, env: { STAC_API_URL: sandbox.url, S3_ENDPOINT: sandbox.s3Endpoint }, timeoutMs: 60_000 });
  return { ...result, file, written: await readdir(cwd) };
}

const matched = (sandbox: Sandbox, collection: string) => sandbox.catalog.search({ collections: [collection], bbox: BBOX }).length;

test('the plan from the API: matches per collection capped by max_items, labels, files and bytes from item_assets, outputs; nothing written', async () => {
  const result = await dryRun(described, ['--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const plan = JSON.parse(result.stdout) as DryRunPlan;
  const counts = [STEREO, SPSUPPORT, MONO].map((c) => matched(described, c));
  expect(counts.some((n) => n > 5)).toBe(true); // max_items cuts at least one search
  const items = counts.map((n) => Math.min(n, 5));
  const total = items.reduce((a, b) => a + b, 0);
  expect(plan.searches.map((s) => [s.collections, s.matched, s.items, s.max_items])).toEqual([
    [[STEREO], counts[0], items[0], 5],
    [[SPSUPPORT], counts[1], items[1], 5],
    [[MONO], counts[2], items[2], 5],
  ]);
  expect(plan.items).toEqual({ matched: counts.reduce((a, b) => a + b, 0), planned: total });
  expect(plan.collections.map((c) => [c.id, c.status, c.item_assets?.includes('caminfo_pvl')])).toEqual([[STEREO, 'found', true], [SPSUPPORT, 'found', true], [MONO, 'found', true]]);
  const [fetchLabel, download, filter, manifest] = plan.steps;
  expect(fetchLabel).toMatchObject({ label: 'fetch_label', labels: total, exact: true });
  expect(download).toMatchObject({ label: 'download', files: total, bytes: total * IMAGE_BYTES, writes: 'data/{collection}/{id}/', exact: true });
  expect(filter).toMatchObject({ label: 'filter', exact: true });
  expect(manifest).toMatchObject({ label: 'rclone_manifest', writes: 'out/list.txt', exact: false });
  expect(plan.outputs).toEqual([{ label: 'csv', stage: 'csv', path: 'out/tc.csv' }]);
  expect(plan.report).toBe('out/tc.report.json');
  expect(plan.errors).toEqual([]);
  expect(plan.warnings).toEqual([]);
  // Written: nothing. Read: the landing page, the collections, one item per search; no label, no image.
  expect(result.written).toEqual([]);
  expect(described.s3!.requests).toEqual([]);
  const searches = described.requests.filter((r) => r.path === '/search');
  expect(searches).toHaveLength(3);
  for (const s of searches) expect((s.body as { limit?: number }).limit).toBe(1);
});

test('in words on stdout: the counts, the bytes, the outputs, and that the run could go', async () => {
  const result = await dryRun(described);
  expect(result.code).toBe(0);
  const mono = matched(described, MONO);
  expect(result.stdout).toContain(`  ${MONO}: ${mono} matched → ${Math.min(mono, 5)} item${Math.min(mono, 5) === 1 ? '' : 's'} (max_items 5)`);
  expect(result.stdout).toMatch(/ {2}download: downloads assets image of each item; \d+ files?, \d+ KiB \(item_assets file:size\); into data\/\{collection\}\/\{id\}\//);
  expect(result.stdout).toContain('  csv: out/tc.csv');
  expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('ok: the run could go');
  expect(result.written).toEqual([]);
});

test('a misspelled collection in the file and a misspelled asset key from --set: exit 2, each located, with did-you-mean', async () => {
  const typo = PIPELINE.replace(`      - ${SPSUPPORT}`, '      - kaguya_terrain_camera_spsuport_uncontrolled_observations');
  const result = await dryRun(described, ['--set', 'steps.fetch_label.asset=caminfo_pvll'], typo);
  expect(result.code).toBe(2);
  const errors = result.stdout.slice(result.stdout.indexOf('errors (2):')).split('\n');
  expect(errors[1]).toBe(
    `  ${result.file}:8:9 source.stac_search.collections[1]: the API has no collection "kaguya_terrain_camera_spsuport_uncontrolled_observations" ` +
      `(${described.url}collections/kaguya_terrain_camera_spsuport_uncontrolled_observations answered 404); did you mean "${SPSUPPORT}"?`,
  );
  expect(errors[2]).toBe(
    `  --set steps.fetch_label.asset=caminfo_pvll: fetch_label: collections ${STEREO}, ${MONO} have no asset "caminfo_pvll" (item_assets); did you mean "caminfo_pvl"? Every item would fail at fetch_label.`,
  );
  expect(errors[3]).toBe('the run would fail: correct these first (exit 2)');
  expect(result.written).toEqual([]);
});

test('collections without item_assets: said, the first item of each stands in, and a key it lacks is a warning (exit 0)', async () => {
  const result = await dryRun(bare, ['--json', '--set', 'steps.download.assets=[imag]']);
  expect(result.code).toBe(0);
  const plan = JSON.parse(result.stdout) as DryRunPlan;
  expect(plan.collections.map((c) => c.item_assets)).toEqual([null, null, null]);
  const unchecked = plan.warnings.filter((w) => w.code === 'W_ASSETS_UNCHECKED');
  expect(unchecked.map((w) => w.message)).toEqual(
    [STEREO, SPSUPPORT, MONO].map((c) => expect.stringMatching(new RegExp(`^collection ${c} has no item_assets: asset keys \\(caminfo_pvl, imag, image\\) could not be checked against it; its first item \\(\\S+\\) stands in$`))),
  );
  expect(plan.warnings.filter((w) => w.code === 'W_ASSET_NOT_IN_SAMPLE')).toEqual([
    { code: 'W_ASSET_NOT_IN_SAMPLE', at: '--set steps.download.assets=[imag]', message: `download: the first items of ${STEREO}, ${SPSUPPORT}, ${MONO} have no asset "imag"; did you mean "image"?` },
  ]);
  expect(plan.steps[1]).toMatchObject({ label: 'download', bytes: null, size_unknown: ['imag'] });
});

test('the state is read, never created', async () => {
  const result = await dryRun(described, ['--json', '--set', 'state=.stacflow/tc.sqlite']);
  expect(result.code).toBe(0);
  const plan = JSON.parse(result.stdout) as DryRunPlan;
  expect(plan.state).toMatchObject({ exists: false, skips: expect.stringContaining('does not exist yet') });
  expect(result.written).toEqual([]);
});

/** Every file under `dir` with its size and modification time. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
  return Promise.all(files.map(async (f) => { const s = await stat(f); return `${path.relative(dir, f)} ${s.size} ${s.mtimeMs}`; }));
}

test('an existing state: what it holds and what a run would skip, read without a change to any file', async () => {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'stacflow-dry-file-')), 'tc.yaml');
  await writeFile(file, `${PIPELINE}state: .stacflow/tc.sqlite\n`);
  const cwd = await mkdtemp(path.join(tmpdir(), 'stacflow-dry-cwd-'));
  const env = { STAC_API_URL: described.url, S3_ENDPOINT: described.s3Endpoint };
  const run = await runBin('run-pipeline', [file, '-q'], { cwd, env, timeoutMs: 60_000 });
  expect(run.code).toBe(0);
  const before = await snapshot(cwd);
  expect(before.some((f) => f.startsWith('.stacflow/tc.sqlite '))).toBe(true);
  const result = await runBin('run-pipeline', [file, '--dry-run', '--json'], { cwd, env, timeoutMs: 60_000 });
  expect(result.code).toBe(0);
  const plan = JSON.parse(result.stdout) as DryRunPlan;
  const held = Object.values(plan.state?.items ?? {}).reduce((a, b) => a + b, 0);
  expect(held).toBe(plan.items.planned);
  expect(plan.state).toMatchObject({ path: path.join(cwd, '.stacflow/tc.sqlite'), exists: true, skips: expect.stringContaining(`the ${plan.state?.items?.done} items done, when unchanged`) });
  // The state file and every other file as they were; SQLite's WAL companions of a read may appear beside it
  // (as with `stacflow status`): a reader of a WAL database needs them, and only the last writer removes them.
  const companions = /^\.stacflow\/tc\.sqlite-(wal|shm) /;
  expect((await snapshot(cwd)).filter((f) => !companions.test(f))).toEqual(before.filter((f) => !companions.test(f)));
});

test('an API that cannot be reached: exit 1 in one line, no stack', async () => {
  const result = await runBin('run-pipeline', [
    path.join(await mkdtemp(path.join(tmpdir(), 'stacflow-dry-file-')), 'missing.yaml'), '--dry-run',
  ]);
  expect(result.code).toBe(2); // the file first: it does not exist
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'stacflow-dry-file-')), 'tc.yaml');
  await writeFile(file, PIPELINE);
  const down = await runBin('run-pipeline', [file, '--dry-run', '--set', 'http={ retries: 1, retry_base_delay: 10ms, retry_max_delay: 20ms }'], {
    env: { STAC_API_URL: 'http://127.0.0.1:9/', S3_ENDPOINT: '' },
  });
  expect(down.code).toBe(1);
  expect(down.stdout).toBe('');
  expect(down.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^tc: dry run stopped: landing page: cannot reach GET http:\/\/127\.0\.0\.1:9\/ /)]);
});

test('stacflow validate --set: a bad value is an error naming the argument (exit 2); a good one is validated with the file', async () => {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'stacflow-dry-file-')), 'tc.yaml');
  await writeFile(file, PIPELINE);
  const env = { STAC_API_URL: 'http://127.0.0.1:9/', S3_ENDPOINT: '' };
  const bad = await runBin('stacflow', ['validate', file, '--set', 'steps.download.concurrency=0'], { env });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--set steps.download.concurrency=0 steps[1].download.concurrency: expected a positive integer, got 0');
  const good = await runBin('stacflow', ['validate', file, '--set', 'steps.download.concurrency=8', '--set', 'source.stac_search.bbox=[3,4,5,6]'], { env });
  expect(good.stderr).toBe('');
  expect(good.code).toBe(0);
});
