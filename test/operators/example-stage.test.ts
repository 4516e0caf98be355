import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { parse as parseYaml } from 'yaml';
import { csv } from '../../operators/csv.js';
import { filter } from '../../operators/filter.js';
import { parsePipeline } from '../../src/config/load.js';
import type { StageRegistry } from '../../src/engine/pipeline.js';
import { runPipeline } from '../../src/engine/run.js';
import { slotSource } from '../helpers/slot-source.js';
import { requireProperty } from './example-stage.js';

/** operators/README.md's example stage is this file's neighbour, word for word, and it works in a real run. */
const README = new URL('../../operators/README.md', import.meta.url);

test("operators/README.md shows example-stage.ts as it is (imports as seen from operators/)", async () => {
  const readme = await readFile(README, 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  const file = (await readFile(new URL('./example-stage.ts', import.meta.url), 'utf8')).replaceAll("'../../src/", "'../src/");
  expect(block).toBe(file);
  expect(block!.trimEnd().split('\n').length).toBeLessThanOrEqual(21);
});

/** A few items, some without the property. */
const fewItems = slotSource('few_items', () =>
  ([['a', 12.5], ['b', undefined], ['c', 3], ['d', null], ['e', 40]] as const).map(([id, elevation]) => ({
    type: 'Feature' as const, id, collection: 'c', geometry: null, assets: {},
    properties: elevation === undefined ? {} : { 'view:sun_elevation': elevation },
  })));

test('the example stage, registered beside real ones, loads from YAML, drops what it should and feeds filter and csv', async () => {
  expect(requireProperty.schema.parse((parseYaml(requireProperty.example) as { require_property: unknown }).require_property)).toEqual({
    property: 'view:sun_elevation', as: 'sun_elevation',
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'stacflow-example-stage-'));
  const registry: StageRegistry = new Map([fewItems, requireProperty, filter, csv].map((stage) => [stage.name, stage]));
  const yaml = `name: example
source: { few_items: {} }
steps:
  - ${requireProperty.example.trim()}
  - filter: "sun_elevation > 10"
outputs:
  - csv: { path: ${path.join(dir, 'out.csv')}, columns: [id, sun_elevation] }
`;
  const pipeline = parsePipeline(yaml, 'example.yaml', registry, {});
  const { exitCode, report } = await runPipeline(pipeline, { log: pino({ level: 'silent' }) });
  expect(exitCode).toBe(0);
  expect(await readFile(path.join(dir, 'out.csv'), 'utf8')).toBe('id,sun_elevation,failed\na,12.5,\ne,40,\n');
  expect(report.stages.map(({ label, in: entered, out, dropped }) => [label, entered, out, dropped])).toEqual([
    ['few_items', 0, 5, 0],
    ['require_property', 5, 3, 2],
    ['filter', 3, 2, 1],
    ['csv', 2, 2, 0],
  ]);
});
