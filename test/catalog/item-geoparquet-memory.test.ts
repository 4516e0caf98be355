import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GeoParquetWriter } from '../../src/catalog/geoparquet/writer.js';
import { newEntry } from '../../src/entry.js';
import { runBin } from '../cli/run-bin.js';
import { kaguyaItems, tempDir } from './catalog-run.js';

// `items` reads stac-geoparquet a row group at a time: 1,200 items of 50 kB (60 MB of text once decoded) in
// row groups of 100, read through the bin with a 48 MB old-space heap, which holds neither the rows decoded
// whole nor all their items. The watchdog bites: the same file in one row group of 1,200 runs out of that heap
// (measured: exit 134, heap out of memory), as a reader holding the file would.
const ITEMS = 1200;
const PAD = 'x'.repeat(50_000);

let dir: string;
beforeAll(async () => {
  dir = await tempDir('items-geoparquet-memory');
  const [item] = kaguyaItems();
  const writer = new GeoParquetWriter(path.join(dir, 'big.parquet'), { rowGroupSize: 100, includeFailed: false, count: () => {} });
  for (let i = 0; i < ITEMS; i += 1) await writer.write(newEntry({ ...item, id: `item-${i}`, properties: { ...item.properties, pad: `${i}${PAD}` } }));
  await writer.finish();
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

test('reads big.parquet (60 MB decoded) within a 48 MB heap, every item', async () => {
  const pipeline = path.join(dir, 'big.yaml');
  const out = path.join(dir, 'big.csv');
  await writeFile(pipeline, `name: big\nsource: { items: { path: big.parquet } }\noutputs:\n  - csv: { path: ${out}, columns: [id], include_failed: false }\n`);
  const result = await runBin('run-pipeline', [pipeline, '--report', path.join(dir, 'big.report.json')], { cwd: dir, nodeArgs: ['--max-old-space-size=48'], timeoutMs: 60_000 });
  expect(result.stderr).not.toMatch(/heap out of memory/);
  expect(result.code).toBe(0);
  const rows = (await readFile(out, 'utf8')).trim().split('\n');
  expect(rows).toHaveLength(ITEMS + 1);
  expect(rows.at(-1)).toBe(`item-${ITEMS - 1}`);
}, 70_000);
