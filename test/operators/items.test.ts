import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { items, itemsOptions } from '../../operators/items.js';
import { STAGES } from '../../operators/index.js';
import { parsePipeline } from '../../src/config/load.js';
import { Demand } from '../../src/engine/demand.js';
import type { Entry } from '../../src/entry.js';
import { ROOT } from '../cli/run-bin.js';
import { sourceOf, testContext } from '../helpers/context.js';
import { numberedItems } from '../helpers/slot-source.js';
import { kaguyaItems, readLines, runYaml, tempDir, writeNdjson } from '../catalog/catalog-run.js';

let dir: string;
beforeEach(async () => { dir = await tempDir('items'); });
afterEach(() => rm(dir, { recursive: true, force: true }));

/** The issues a pipeline file gets at load, as `file:line:col path: message` lines. */
function loadIssues(yaml: string): string[] {
  try {
    parsePipeline(yaml, 'p.yaml', STAGES, {});
    return [];
  } catch (err) {
    return (err as Error).message.split('\n');
  }
}

describe('items options', () => {
  it('parse the documented example', () => {
    expect(itemsOptions.parse((parseYaml(items.example) as { items: unknown }).items)).toEqual({ path: 'out/kaguya-tc.ndjson', max_item_bytes: 16 * 1024 * 1024 });
  });

  it('refuse stac-geoparquet from standard input, and a path whose format they cannot tell, at load with the place', () => {
    const outputs = 'outputs:\n  - ndjson: { path: out.ndjson }\n';
    expect(loadIssues(`name: p\nsource:\n  items: { path: saved.parquet }\n${outputs}`)).toEqual([]);
    expect(loadIssues(`name: p\nsource:\n  items: { path: "-", format: parquet }\n${outputs}`)).toEqual([
      'p.yaml:3:18 source.items.path: stac-geoparquet cannot be read from standard input (a Parquet file is read from its footer, at its end): give a file path',
    ]);
    expect(loadIssues(`name: p\nsource:\n  items: { path: saved.txt }\n${outputs}`)).toEqual([
      'p.yaml:3:18 source.items.path: cannot tell the format of saved.txt from its extension: add format: ndjson or format: geojson',
    ]);
    expect(loadIssues(`name: p\nsource:\n  items: { path: saved.txt, format: ndjson }\n${outputs}`)).toEqual([]);
  });
});

describe('items', () => {
  it('fails a broken line with file:line in the report, counts it, and runs on (exit 3)', async () => {
    const [a, b] = kaguyaItems();
    const input = await writeNdjson(path.join(dir, 'saved.ndjson'), [a, '{"type": "Feature", "id": "x", "properties": {}}', '', b, '{oops']);
    const out = path.join(dir, 'out.ndjson');
    const { exitCode, report } = await runYaml(`name: r\nsource: { items: { path: ${input} } }\noutputs:\n  - ndjson: { path: ${out}, include_failed: false }\n`, dir);
    expect(exitCode).toBe(3);
    expect((await readLines(out)).map((line) => JSON.parse(line).id)).toEqual([a.id, b.id]);
    expect(report.failures).toEqual([
      { stage: 'items', code: 'ERR_ITEM_INVALID', item: 'x', message: `${input}:2: not a STAC Item: "assets" must be an object ({} when none), found nothing` },
      { stage: 'items', code: 'ERR_ITEM_JSON', item: 'saved.ndjson:5', message: expect.stringMatching(new RegExp(`^${input}:5: not JSON \\(`)) },
    ]);
    expect(report.stages[0]).toMatchObject({ label: 'items', out: 4, counters: { read: 4, invalid: 2 } });
  });

  it('takes a flow slot per entry: with 3 slots it emits 3 and waits, then one more per slot given back', async () => {
    const input = await writeNdjson(path.join(dir, 'many.ndjson'), [...numberedItems(5000)].map((item) => ({ ...item, geometry: null })));
    const demand = new Demand(3);
    const ctx = testContext('items', { demand });
    const seen: Entry[] = [];
    const subscription = sourceOf(items, itemsOptions.parse({ path: input }), ctx).subscribe((entry) => seen.push(entry));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.map((e) => e.item.id)).toEqual(['item-0', 'item-1', 'item-2']);
    demand.release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toHaveLength(4);
    subscription.unsubscribe();
  });

  it('reads standard input with path `-`, naming it <stdin> in failures (the bin, built)', async () => {
    const file = path.join(dir, 'p.yaml');
    await writeFile(file, 'name: stdin\nsource: { items: { path: "-" } }\noutputs:\n  - ndjson: { path: "-", include_failed: false }\n');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run-pipeline.js'), file], { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 30_000 });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stdin.end([...kaguyaItems().map((item) => JSON.stringify(item)), 'oops'].join('\n'));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(3);
    expect(stdout.trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual(kaguyaItems());
    const report = JSON.parse(await readFile(path.join(dir, 'stdin.report.json'), 'utf8'));
    expect(report.failures).toEqual([{ stage: 'items', code: 'ERR_ITEM_JSON', item: '<stdin>:4', message: expect.stringMatching(/^<stdin>:4: not JSON \(/) }]);
  }, 40_000);
});
