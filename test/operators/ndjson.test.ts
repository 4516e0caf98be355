import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ndjson, ndjsonOptions } from '../../operators/ndjson.js';
import { newEntry, withFields } from '../../src/entry.js';
import type { Sandbox } from '../../sandbox/index.js';
import { ENTRIES, startDownloadSandbox } from '../download/fixture.js';
import { testContext } from '../helpers/context.js';
import { runBin } from '../cli/run-bin.js';
import { kaguyaItems, readLines, runYaml, stacItemProblems, tempDir, writeNdjson } from '../catalog/catalog-run.js';

let dir: string;
beforeEach(async () => { dir = await tempDir('ndjson'); });
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('ndjson options', () => {
  it('parse the documented example', () => {
    expect(ndjsonOptions.parse((parseYaml(ndjson.example) as { ndjson: unknown }).ndjson)).toEqual({ path: 'out/kaguya-tc.ndjson', include_failed: true, mode: 'snapshot' });
  });
});

describe('ndjson', () => {
  it('writes one valid STAC Item a line, selected fields as stacflow: properties, failures as stacflow:failures', async () => {
    const items = kaguyaItems();
    const input = await writeNdjson(path.join(dir, 'in.ndjson'), [items[0], '{"type": "Feature", "id": ', items[1], items[2]]);
    const out = path.join(dir, 'out', 'catalog.ndjson');
    const { exitCode, report } = await runYaml(`name: nd
source: { items: { path: ${input} } }
steps:
  - select: { sun: view:sun_elevation, image: assets.image.href, title: title }
outputs:
  - ndjson: { path: ${out} }
`, dir);
    expect(exitCode).toBe(3); // the broken line failed its item; the run went on
    const lines = await readLines(out);
    expect(lines).toHaveLength(4);
    const written = lines.map((line) => JSON.parse(line));
    expect(written.map((item) => item.id)).toEqual([items[0].id, 'in.ndjson:2', items[1].id, items[2].id]);
    for (const i of [0, 2, 3]) expect(stacItemProblems(written[i])).toEqual([]);
    const source = items[1];
    expect(written[2]).toEqual({
      ...source,
      properties: { ...source.properties, 'stacflow:sun': source.properties['view:sun_elevation'], 'stacflow:image': source.assets.image.href, 'stacflow:title': source.properties.title },
    });
    expect(written[1].properties['stacflow:failures']).toEqual([
      { stage: 'items', code: 'ERR_ITEM_JSON', message: expect.stringMatching(/^.*in\.ndjson:2: not JSON \(/) },
    ]);
    expect(report.outputs.ndjson).toEqual({ path: out, rows: 4 });
  });

  it('writes what `items` reads back as the same items: ndjson → items → ndjson is byte for byte the same file', async () => {
    const items = kaguyaItems();
    const first = path.join(dir, 'first.ndjson');
    const second = path.join(dir, 'second.ndjson');
    const input = await writeNdjson(path.join(dir, 'in.ndjson'), items);
    const copy = (from: string, to: string, steps = '') => runYaml(`name: copy\nsource: { items: { path: ${from} } }\n${steps}outputs:\n  - ndjson: { path: ${to} }\n`, dir);
    expect((await copy(input, first)).exitCode).toBe(0);
    expect((await readLines(first)).map((line) => JSON.parse(line))).toEqual(items); // nothing added: the items as they were
    const third = path.join(dir, 'third.ndjson');
    expect((await copy(input, second, 'steps:\n  - select: { gsd: gsd }\n')).exitCode).toBe(0);
    expect((await copy(second, third)).exitCode).toBe(0);
    expect(await readFile(third, 'utf8')).toBe(await readFile(second, 'utf8'));
  });

  it('leaves failed entries out with include_failed: false, and counts them', async () => {
    const input = await writeNdjson(path.join(dir, 'in.ndjson'), [kaguyaItems()[0], 'not json']);
    const out = path.join(dir, 'ok.ndjson');
    const { report } = await runYaml(`name: ok\nsource: { items: { path: ${input} } }\noutputs:\n  - ndjson: { path: ${out}, include_failed: false }\n`, dir);
    expect((await readLines(out)).map((line) => JSON.parse(line).id)).toEqual([kaguyaItems()[0].id]);
    expect(report.stages.find((s) => s.label === 'ndjson')?.counters).toEqual({ failed_left_out: 1 });
  });

  it('shows nothing under the final name before finish, and leaves an earlier file when aborted', async () => {
    const out = path.join(dir, 'late.ndjson');
    await writeFile(out, 'yesterday\n');
    const sink = await ndjson.create(ndjsonOptions.parse({ path: out }), testContext('ndjson'));
    await sink.write(newEntry(kaguyaItems()[0]));
    expect(existsSync(`${out}.tmp-${process.pid}`)).toBe(true);
    expect(await readFile(out, 'utf8')).toBe('yesterday\n');
    await sink.abort();
    expect(await readFile(out, 'utf8')).toBe('yesterday\n');
    expect(existsSync(`${out}.tmp-${process.pid}`)).toBe(false);
  });

  it('writes an item whose field JSON cannot hold without the run fields, failed (ERR_CATALOG_VALUE), and every other line', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i += 1) deep = [deep];
    const [first, second] = kaguyaItems();
    const out = path.join(dir, 'deep.ndjson');
    const ctx = testContext('ndjson');
    const sink = await ndjson.create(ndjsonOptions.parse({ path: out }), ctx);
    await sink.write(withFields(newEntry(first), { nested: deep, gsd: 7 }));
    await sink.write(newEntry(second));
    await sink.finish();
    const [bad, good] = (await readLines(out)).map((line) => JSON.parse(line));
    expect(bad.properties['stacflow:gsd']).toBeUndefined();
    expect(bad.properties['stacflow:failures']).toEqual([
      { stage: 'ndjson', code: 'ERR_CATALOG_VALUE', message: expect.stringMatching(/^item TC1S2B0_01_07495N079E3030: a field cannot be written as JSON \(Maximum call stack size exceeded\)/) },
    ]);
    expect(good).toEqual(second);
    expect(ctx.stats.failures).toMatchObject([{ item: first.id, stage: 'ndjson', code: 'ERR_CATALOG_VALUE' }]);
  });

  it('writes an empty file when no entry arrives', async () => {
    const out = path.join(dir, 'empty.ndjson');
    const sink = await ndjson.create(ndjsonOptions.parse({ path: out }), testContext('ndjson'));
    expect(await sink.finish()).toEqual({ path: out, rows: 0 });
    expect(await readFile(out, 'utf8')).toBe('');
  });
});

describe('ndjson after download', () => {
  let sandbox: Sandbox;
  beforeAll(async () => { sandbox = await startDownloadSandbox(); });
  afterAll(() => sandbox.close());

  it('gives each downloaded asset file:local_path and file:size (file:checksum when the item declares one: catalog-item.test.ts), and lists the File extension', async () => {
    const items = ENTRIES.slice(0, 2).map(({ collection, id }) => sandbox.catalog.item(collection, id));
    const input = await writeNdjson(path.join(dir, 'in.ndjson'), items);
    const out = path.join(dir, 'got.ndjson');
    const { exitCode } = await runYaml(`name: dl
s3: { region: us-west-2, anonymous: true, endpoint: "${sandbox.s3Endpoint}" }
source: { items: { path: ${input} } }
steps:
  - download: { assets: [image], to: "${dir}/data/{id}/" }
outputs:
  - ndjson: { path: ${out} }
`, dir);
    expect(exitCode).toBe(0);
    const written = (await readLines(out)).map((line) => JSON.parse(line));
    expect(written.map((item) => item.id)).toEqual(items.map((item) => (item as { id: string }).id));
    for (const item of written) {
      expect(stacItemProblems(item)).toEqual([]);
      const image = item.assets.image;
      expect(image['file:local_path']).toBe(path.join(dir, 'data', item.id, path.basename(new URL(image.href).pathname)));
      expect(image['file:size']).toBe((await readFile(image['file:local_path'])).length);
      expect(item.stac_extensions).toContain('https://stac-extensions.github.io/file/v2.1.0/schema.json');
      expect(item.assets.thumbnail['file:local_path']).toBeUndefined();
    }
  }, 30_000);
});

describe('ndjson to standard output', () => {
  it('path `-` writes the items to stdout, logs stay on stderr (the bin, built)', async () => {
    const input = await writeNdjson(path.join(dir, 'in.ndjson'), kaguyaItems());
    const file = path.join(dir, 'p.yaml');
    await writeFile(file, `name: out\nsource: { items: { path: ${input} } }\noutputs:\n  - ndjson: { path: "-" }\n`);
    const result = await runBin('run-pipeline', [file], { cwd: dir, timeoutMs: 30_000 });
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual(kaguyaItems());
    expect(result.stderr).toContain('out: done in');
  }, 40_000);
});
