import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { STAGES } from '../../operators/index.js';
import { runBin, ROOT } from './run-bin.js';

test('stages lists every registered stage with its options and defaults', async () => {
  const result = await runBin('stacflow', ['stages']);
  expect(result.code).toBe(0);
  for (const name of STAGES.keys()) expect(result.stdout).toContain(`  ${name} — `);
  expect(result.stdout).toMatch(/^Sources:\n {2}stac_search — /);
  expect(result.stdout).toMatch(/ {6}max_items: integer — /);
  expect(result.stdout).toMatch(/ {6}path: string \(required\)/);
});

test('stages NAME --json gives the options and an example that parses as YAML', async () => {
  const result = await runBin('stacflow', ['stages', 'filter', '--json']);
  const [doc] = JSON.parse(result.stdout) as Array<{ name: string; kind: string; example: string; options: unknown[] }>;
  expect(doc.name).toBe('filter');
  expect(doc.kind).toBe('step');
  expect(parse(doc.example)).toHaveProperty('filter');
});

test('an unknown stage name exits 2 and lists the known ones', async () => {
  const result = await runBin('stacflow', ['stages', 'fetch_lable']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("unknown stage 'fetch_lable'; known: stac_search");
});

test('config/pipeline.schema.json is what `stacflow schema` generates (run `npm run schema` after changing a stage)', async () => {
  const result = await runBin('stacflow', ['schema']);
  expect(result.code).toBe(0);
  expect(result.stdout).toBe(await readFile(`${ROOT}config/pipeline.schema.json`, 'utf8'));
});
