import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runBin } from '../cli/run-bin.js';

/**
 * Through the real bin (its flags, dist/ when built): a STAC API whose landing page and search pages are cut
 * short after their 200 head, answer 503 or stall mid-body is survived by the one retry loop, with the
 * `http:` limits of the pipeline file; every retry is counted under the report's `http` stage and logged.
 */

const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({
    itemsPerCollection: 40,
    faults: [
      { path: '/', cutAfterBytes: 30, times: 1 },
      { path: '/search', method: 'POST', status: 503, times: 1 },
      { path: '/search', method: 'POST', cutAfterBytes: 200, times: 1, skip: 2 },
      { path: '/search', method: 'POST', stallAfterBytes: 10, stallMs: 20_000, times: 1, skip: 4 },
    ],
  });
});
afterAll(async () => {
  await sandbox.close();
});

test('a search whose answers are cut short, refused or stalled still writes every item, and counts its retries', async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'stacflow-api-faults-'));
  const file = path.join(out, 'faults.yaml');
  await writeFile(
    file,
    [
      'name: faults',
      'http: { low_speed_time: 1s, retry_base_delay: 10ms, retry_max_delay: 50ms }',
      `source: { stac_search: { api: "${sandbox.url}", collections: [${MONO}], limit: 10 } }`,
      `outputs: [ { csv: { path: "${path.join(out, 'faults.csv')}" } } ]`,
      '',
    ].join('\n'),
  );
  const started = Date.now();
  const result = await runBin('run-pipeline', [file]);
  expect({ code: result.code, stderr: result.stderr.slice(-2000) }).toMatchObject({ code: 0 });
  expect(Date.now() - started).toBeLessThan(20_000);

  const rows = parse(await readFile(path.join(out, 'faults.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
  expect(rows.map((r) => r.id)).toEqual(sandbox.catalog.search({ collections: [MONO] }).map((m) => m.id));
  const report = JSON.parse(await readFile(path.join(out, 'faults.report.json'), 'utf8')) as { stages: Array<{ label: string; counters: Record<string, number> }> };
  const http = report.stages.find((s) => s.label === 'http');
  const search = report.stages.find((s) => s.label === 'stac_search');
  expect(http?.counters.retries).toBe(4);
  expect(search?.counters.retries).toBe(4);
  expect(`${result.stdout}${result.stderr}`).toMatch(/retrying POST http:\/\/127\.0\.0\.1:\d+\/search in \d+ ms \(retry 1\): body stalled/);
}, 60_000);
