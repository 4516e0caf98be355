import { statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import wkx from 'wkx';
import { parse as parseYaml } from 'yaml';
import { geojson, geojsonOptions } from '../../operators/geojson.js';
import { newEntry, withFields } from '../../src/entry.js';
import { testContext } from '../helpers/context.js';
import { kaguyaItems, runYaml, stacItemProblems, tempDir, writeNdjson } from '../catalog/catalog-run.js';

let dir: string;
beforeEach(async () => { dir = await tempDir('geojson'); });
afterEach(() => rm(dir, { recursive: true, force: true }));

const CTX_COLLECTION = new URL('../fixtures/usgs/stac/item_collection_ctx_dtm_P02_001820_1984__P06_003442_1987_2025-01.json', import.meta.url);

describe('geojson options', () => {
  it('parse the documented example', () => {
    expect(geojsonOptions.parse((parseYaml(geojson.example) as { geojson: unknown }).geojson)).toEqual({ path: 'out/kaguya-tc.geojson', include_failed: true, mode: 'snapshot' });
  });
});

describe('geojson', () => {
  it('writes a FeatureCollection whose features are the STAC Items, geometries that wkx reads', async () => {
    const items = kaguyaItems();
    const input = await writeNdjson(path.join(dir, 'in.ndjson'), items);
    const out = path.join(dir, 'out.geojson');
    const { exitCode, report } = await runYaml(`name: gj\nsource: { items: { path: ${input} } }\nsteps:\n  - select: { gsd: gsd }\noutputs:\n  - geojson: { path: ${out} }\n`, dir);
    expect(exitCode).toBe(0);
    const collection = JSON.parse(await readFile(out, 'utf8'));
    expect(Object.keys(collection)).toEqual(['type', 'features']);
    expect(collection.type).toBe('FeatureCollection');
    expect(collection.features.map((f: { id: string }) => f.id)).toEqual(items.map((item) => item.id));
    for (const [i, feature] of collection.features.entries()) {
      expect(stacItemProblems(feature)).toEqual([]);
      expect(feature.properties['stacflow:gsd']).toBe(items[i].properties.gsd);
      expect(wkx.Geometry.parseGeoJSON(feature.geometry).toGeoJSON()).toEqual(items[i].geometry);
    }
    expect(report.outputs.geojson).toEqual({ path: out, rows: 3 });
  });

  it('is read back by `items` as the same items (a real USGS ItemCollection through geojson and back)', async () => {
    const source = JSON.parse(await readFile(CTX_COLLECTION, 'utf8'));
    const first = path.join(dir, 'first.geojson');
    const second = path.join(dir, 'second.geojson');
    const copy = (from: string, to: string) => runYaml(`name: copy\nsource: { items: { path: "${from}" } }\noutputs:\n  - geojson: { path: ${to} }\n`, dir);
    expect((await copy(new URL(CTX_COLLECTION).pathname, first)).exitCode).toBe(0);
    expect(JSON.parse(await readFile(first, 'utf8')).features).toEqual(source.features);
    expect((await copy(first, second)).exitCode).toBe(0);
    expect(await readFile(second, 'utf8')).toBe(await readFile(first, 'utf8'));
  });

  it('writes a valid empty FeatureCollection when no entry arrives', async () => {
    const out = path.join(dir, 'empty.geojson');
    const sink = await geojson.create(geojsonOptions.parse({ path: out }), testContext('geojson'));
    expect(await sink.finish()).toEqual({ path: out, rows: 0 });
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({ type: 'FeatureCollection', features: [] });
  });

  it('streams: the file grows as entries are written, before the collection is closed', async () => {
    const out = path.join(dir, 'big.geojson');
    const sink = await geojson.create(geojsonOptions.parse({ path: out }), testContext('geojson'));
    const [item] = kaguyaItems();
    const temp = `${out}.tmp-${process.pid}`;
    const sizes: number[] = [];
    for (let i = 0; i < 3000; i += 1) {
      await sink.write(withFields(newEntry({ ...item, id: `item-${i}` }), { n: i }));
      if (i % 1000 === 999) sizes.push(statSync(temp).size);
    }
    await sink.finish();
    const total = statSync(out).size;
    expect(sizes[0]).toBeGreaterThan(total / 10); // a third written: most of its bytes on disk already
    expect(sizes[1]).toBeGreaterThan(sizes[0]);
    const collection = JSON.parse(await readFile(out, 'utf8'));
    expect(collection.features).toHaveLength(3000);
    expect(collection.features[2999].properties['stacflow:n']).toBe(2999);
  });
});
