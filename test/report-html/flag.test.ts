import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runBin } from '../cli/run-bin.js';

// report.html is written by default (test/cli/run-pipeline.test.ts lists it beside the JSON report); the flag
// turns it off. Through the bin, against the sandbox, with the STAC search only (no labels, no downloads).

let sandbox: Sandbox;
beforeAll(async () => { sandbox = await startSandbox({ seed: 3, itemsPerCollection: 200, s3: { enabled: false } }); });
afterAll(async () => { await sandbox.close(); });

test('--no-html-report: the JSON report and the outputs, no report.html, none named in the summary', async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'stacflow-no-html-'));
  const pipeline = path.join(out, 'search.yaml');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(pipeline, `name: search\nsource: { stac_search: { api: "${sandbox.url}", bbox: [3, 4, 5, 6] } }\noutputs: [ { csv: { path: "${path.join(out, 'items.csv')}" } } ]\n`);
  const result = await runBin('run-pipeline', [pipeline, '--no-html-report'], { cwd: out });
  expect(result.code).toBe(0);
  expect((await readdir(out)).sort()).toEqual(['items.csv', 'search.report.json', 'search.yaml']);
  expect(result.stderr).not.toContain('report.html');
  expect(result.stderr).toContain('search.report.json');
}, 60_000);
