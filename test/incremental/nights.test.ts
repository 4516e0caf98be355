import path from 'node:path';
import { pino } from 'pino';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { STAGES } from '../../operators/index.js';
import { parsePipeline } from '../../src/config/load.js';
import { runPipeline } from '../../src/engine/run.js';
import { openStateStore } from '../../src/state/store.js';
import { readLines, tempDir } from '../catalog/catalog-run.js';

/**
 * Incremental nights end to end (issue 12): the tutorial's pipeline (labels, a filter on a label value,
 * downloads) with a SQLite state against the sandbox. The second night, with nothing changed, makes only the
 * search requests: no label read, no HEAD, no download; after items change, exactly those are worked; the
 * snapshot catalog always holds the whole result, the append one only the night's.
 */
const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ itemsPerCollection: 60, collections: [{ id: MONO, items: 60 }] });
});
afterAll(async () => {
  await sandbox.close();
});

async function night(dir: string, options: { fullRefresh?: boolean } = {}) {
  const yaml = [
    'name: nights',
    `state: ${path.join(dir, 'state.sqlite')}`,
    `s3: { region: us-west-2, anonymous: true, endpoint: "${sandbox.s3Endpoint}" }`,
    `source: { stac_search: { api: "${sandbox.url}", collections: [${MONO}], limit: 25, incremental: { safety_margin: 0s } } }`,
    'steps:',
    '  - fetch_label: { asset: caminfo_pvl, as: caminfo }',
    '  - select: { incidence_angle: caminfo.Caminfo.Geometry.IncidenceAngle }',
    '  - filter: "incidence_angle < 80"',
    `  - download: { assets: [image], to: "${path.join(dir, 'data')}/{id}/" }`,
    'outputs:',
    `  - ndjson: { path: "${path.join(dir, 'all.ndjson')}" }`,
    `  - csv: { path: "${path.join(dir, 'night.csv')}", mode: append }`,
    '',
  ].join('\n');
  sandbox.clearRequests();
  sandbox.s3!.clearRequests();
  const store = await openStateStore(path.join(dir, 'state.sqlite'));
  try {
    const result = await runPipeline(parsePipeline(yaml, path.join(dir, 'p.yaml'), STAGES, {}), {
      log: pino({ level: 'silent' }),
      reportPath: path.join(dir, 'report.json'),
      state: store,
      fullRefresh: options.fullRefresh ?? false,
    });
    const ids = async (file: string, column = false) =>
      (await readLines(path.join(dir, file))).slice(column ? 1 : 0).map((line) => (column ? line.split(',')[0] : (JSON.parse(line) as { id: string }).id)).sort();
    return {
      result,
      lines: (await readLines(path.join(dir, 'all.ndjson'))).sort(),
      all: await ids('all.ndjson'),
      night: await ids('night.csv', true),
      api: sandbox.requests.map((r) => r.path),
      s3: sandbox.s3!.requests.map((r) => `${r.method} ${r.key ?? r.url}`),
    };
  } finally {
    store.close();
  }
}

test('three nights: everything, then nothing but the search, then exactly what changed', async () => {
  const dir = await tempDir('nights');
  const first = await night(dir);
  expect(first.result.exitCode).toBe(0);
  const kept = first.all;
  expect(kept.length).toBeGreaterThan(5);
  expect(first.night).toEqual(kept);
  expect(first.s3.filter((r) => r.startsWith('GET')).length).toBeGreaterThan(60); // 60 labels, and the images kept

  const second = await night(dir);
  expect(second.result.exitCode).toBe(0);
  expect(second.s3).toEqual([]); // no label read, no HEAD, no download
  expect(second.api.every((p) => p === '/' || p === '/search' || p === '/conformance' || p.endsWith('queryables') || p.startsWith('/collections/'))).toBe(true);
  expect(second.all).toEqual(kept);
  // Carried rows are the rows the first night wrote, selected values included (the state keeps no label document).
  expect(second.lines).toEqual(first.lines);
  expect(second.night).toEqual([]);
  // The search asked only for what changed since the first night's cursor: nothing; so the snapshot the first
  // night wrote is kept as it is (kept-outputs.ts), its rows reported.
  expect(second.result.report.state?.counts).toMatchObject({ outputs_kept: 1 });
  expect(second.result.report.outputs.ndjson).toMatchObject({ rows: kept.length, unchanged: true });
  expect(second.result.report.state?.counts.new).toBeUndefined();

  const touched = await sandbox.touchItems(3);
  const third = await night(dir);
  const touchedIds = touched.map((t) => t.id);
  const labelReads = third.s3.filter((r) => r.startsWith('GET') && r.includes('caminfo'));
  expect(labelReads).toHaveLength(3);
  for (const id of touchedIds) expect(labelReads.some((r) => r.includes(id))).toBe(true);
  expect(third.result.report.state?.counts).toMatchObject({ changed: 3 });
  expect(third.night.every((id) => touchedIds.includes(id))).toBe(true);
  // --full-refresh works everything again (downloads only checked: the files are there).
  const refreshed = await night(dir, { fullRefresh: true });
  expect(refreshed.s3.filter((r) => r.startsWith('GET') && r.includes('caminfo'))).toHaveLength(60);
  expect(refreshed.all).toEqual(third.all);
}, 120_000);
