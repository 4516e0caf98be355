import { createWriteStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { runBin } from '../cli/run-bin.js';
import { kaguyaItems, tempDir } from './catalog-run.js';

// `items` streams: a 60 MB catalog (1,200 items of 50 kB) read through the bin with a 48 MB old-space heap,
// which holds neither the file parsed whole (JSON.parse keeps every string: over 60 MB) nor all its items.
const ITEMS = 1200;
const PAD = 'x'.repeat(50_000);

let dir: string;
beforeAll(async () => {
  dir = await tempDir('items-memory');
  const [item] = kaguyaItems();
  const collection = createWriteStream(path.join(dir, 'big.geojson'));
  const lines = createWriteStream(path.join(dir, 'big.ndjson'));
  collection.write('{"type": "FeatureCollection", "features": [\n');
  for (let i = 0; i < ITEMS; i += 1) {
    const text = JSON.stringify({ ...item, id: `item-${i}`, properties: { ...item.properties, pad: `${i}${PAD}` } });
    if (!collection.write(`${i === 0 ? '' : ',\n'}${text}`)) await once(collection, 'drain');
    if (!lines.write(`${text}\n`)) await once(lines, 'drain');
  }
  collection.end('\n]}\n');
  lines.end();
  await Promise.all([once(collection, 'finish'), once(lines, 'finish')]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test.each(['big.geojson', 'big.ndjson'])('reads %s (60 MB) within a 48 MB heap, every item', async (file) => {
  const pipeline = path.join(dir, `${file}.yaml`);
  const out = path.join(dir, `${file}.csv`);
  await writeFile(pipeline, `name: big\nsource: { items: { path: ${file} } }\noutputs:\n  - csv: { path: ${out}, columns: [id], include_failed: false }\n`);
  const result = await runBin('run-pipeline', [pipeline, '--report', path.join(dir, `${file}.report.json`)], { cwd: dir, nodeArgs: ['--max-old-space-size=48'], timeoutMs: 60_000 });
  expect(result.stderr).not.toMatch(/heap out of memory/);
  expect(result.code).toBe(0);
  const ids = (await readFile(out, 'utf8')).trim().split('\n');
  expect(ids).toHaveLength(ITEMS + 1);
  expect(ids.at(-1)).toBe(`item-${ITEMS - 1}`);
}, 70_000);
