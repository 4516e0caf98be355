import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { KAGUYA_TC_COLLECTIONS, SandboxCatalog, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runBin } from '../cli/run-bin.js';

// The tutorial's pipeline end to end against the sandbox (STAC API + S3), with two labels missing.
const SEED = 11;
const PER_COLLECTION = 500;
const catalog = new SandboxCatalog(SEED, KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: PER_COLLECTION })));
const found = KAGUYA_TC_COLLECTIONS.flatMap((c) => catalog.search({ collections: [c], bbox: [3, 4, 5, 6] }).slice(0, 200));
const missing = [found[0].id, found[found.length - 1].id];

let sandbox: Sandbox;
beforeAll(async () => { sandbox = await startSandbox({ seed: SEED, itemsPerCollection: PER_COLLECTION, s3: { missing } }); });
afterAll(async () => { await sandbox.close(); });

test('missing labels fail their items (NoSuchKey, with the href), the run goes on and exits 3', async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'stacflow-labels-e2e-'));
  const result = await runBin('run-pipeline', ['pipelines/kaguya-tc.yaml'], { env: { STAC_API_URL: sandbox.url, S3_ENDPOINT: sandbox.s3Endpoint, OUT_DIR: out } });
  expect(result.code).toBe(3);

  const report = JSON.parse(await readFile(path.join(out, 'kaguya-tc.report.json'), 'utf8'));
  expect(report).toMatchObject({ status: 'done_with_failures', exit_code: 3, items: { total: found.length, failed: 2 } });
  const hrefOf = (id: string) => sandbox.catalog.item(found.find((f) => f.id === id)!.collection, id)!.assets.caminfo_pvl.href;
  expect(report.failures.map((f: { item: string }) => f.item).sort()).toEqual([...missing].sort());
  for (const failure of report.failures) {
    expect(failure).toMatchObject({ stage: 'fetch_label', code: 'ERR_S3_NOT_FOUND', status: 404, href: hrefOf(failure.item) });
    expect(failure.message).toContain('NoSuchKey');
  }

  // Failed items stay in the catalog with what failed; the others were filtered on their labels.
  const rows = parse(await readFile(path.join(out, 'kaguya-tc.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
  const failedRows = rows.filter((r) => r.failed !== '');
  expect(failedRows.map((r) => r.id).sort()).toEqual([...missing].sort());
  for (const row of failedRows) expect([row.incidence_angle, row.failed]).toEqual(['', expect.stringMatching(/^fetch_label: .*NoSuchKey/)]);
  const kept = found.filter((f) => !missing.includes(f.id) && (sandbox.s3!.caminfo(f.id).incidenceAngle ?? Infinity) < 80);
  expect(rows.filter((r) => r.failed === '').map((r) => r.id).sort()).toEqual(kept.map((f) => f.id).sort());
  for (const row of rows.filter((r) => r.failed === '')) expect(Number(row.incidence_angle)).toBeLessThan(80);
}, 60_000);
