import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { itemFileFormat } from '../../src/catalog/item-file-format.js';
import { readItemFile, type ItemRecord } from '../../src/catalog/item-file-reader.js';
import type { StacItem } from '../../src/entry.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/usgs/stac/${name}`, import.meta.url), 'utf8');
const kaguya: StacItem = JSON.parse(fixture('item_kaguya_tc_monoscopic_TC1S2B0_01_07495N079E3030.json'));
const item = (id: string, extra: Record<string, unknown> = {}): StacItem => ({ type: 'Feature', id, collection: 'c', geometry: null, properties: { datetime: null }, assets: {}, ...extra });

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'stacflow-item-file-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(name: string, text: string | Buffer, format: 'ndjson' | 'geojson', maxItemBytes = 1 << 20): Promise<ItemRecord[]> {
  const file = join(dir, name);
  writeFileSync(file, text);
  const records: ItemRecord[] = [];
  for await (const batch of readItemFile({ path: name, file, format, maxItemBytes })) records.push(...batch);
  return records;
}
/** The error `run` rejects with, as { code, message } (jest compares an Error's own enumerable keys only). */
async function failureOf(run: () => Promise<unknown>): Promise<{ code?: string; message: string }> {
  const err = await run().then(() => undefined, (e: unknown) => e as { code?: string; message: string });
  if (err === undefined) throw new Error('expected a rejection');
  return { code: err.code, message: err.message };
}
const summary = (records: ItemRecord[]) => records.map((r) => ('item' in r ? r.item.id : `${r.id} ${r.failure.code} ${r.failure.message}`));

describe('itemFileFormat', () => {
  it('tells the format by extension, standard input as NDJSON, and nothing for an unknown extension', () => {
    expect(['a.ndjson', 'a.jsonl', 'A.GEOJSONL', 'a.json', 'a.geojson', 'a.parquet', '-', 'a.txt'].map((p) => itemFileFormat(p))).toEqual(
      ['ndjson', 'ndjson', 'ndjson', 'geojson', 'geojson', 'parquet', 'ndjson', undefined],
    );
    expect(itemFileFormat('a.txt', 'geojson')).toBe('geojson');
  });
});

describe('readItemFile: NDJSON', () => {
  it('reads one item a line, with CRLF, blank lines and a byte order mark', async () => {
    const text = `\uFEFF${JSON.stringify(kaguya)}\r\n\n  \n${JSON.stringify(item('b'))}\n${JSON.stringify(item('c'))}`;
    const records = await readAll('items.ndjson', text, 'ndjson');
    expect(summary(records)).toEqual([kaguya.id, 'b', 'c']);
    expect(records[0]).toEqual({ item: kaguya, where: 'items.ndjson:1' });
    expect(records[2]).toMatchObject({ where: 'items.ndjson:5' });
  });

  it('fails a broken line with file:line, and reads on', async () => {
    const lines = [JSON.stringify(item('a')), '{"type": "Feature", "id": "b", ', JSON.stringify({ ...item('c'), properties: null }), '[1, 2]', JSON.stringify({ ...item('d'), assets: undefined }), JSON.stringify(item('e'))];
    const records = await readAll('broken.ndjson', lines.join('\n') + '\n', 'ndjson');
    expect(summary(records)).toEqual([
      'a',
      expect.stringMatching(/^broken\.ndjson:2 ERR_ITEM_JSON broken\.ndjson:2: not JSON \(/),
      'c ERR_ITEM_INVALID broken.ndjson:3: not a STAC Item: "properties" must be an object, found null',
      'broken.ndjson:4 ERR_ITEM_INVALID broken.ndjson:4: not a STAC Item: expected a JSON object, found an array',
      'd ERR_ITEM_INVALID broken.ndjson:5: not a STAC Item: "assets" must be an object ({} when none), found nothing',
      'e',
    ]);
    expect(records[2]).toMatchObject({ collection: 'c' });
  });

  it('refuses an item nested deeper than item-guard allows, naming the line', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i += 1) deep = [deep];
    const records = await readAll('deep.ndjson', `${JSON.stringify(item('deep', { properties: { deep } }))}\n${JSON.stringify(item('ok'))}\n`, 'ndjson');
    expect(summary(records)).toEqual([expect.stringMatching(/^deep ERR_ITEM_INVALID deep\.ndjson:1: item deep: nested deeper than 64 levels/), 'ok']);
  });

  it('skips a line longer than the limit without holding it, and reads lines that span chunks', async () => {
    const long = JSON.stringify(item('long', { properties: { pad: 'x'.repeat(300_000) } }));
    const spanning = JSON.stringify(item('spanning', { properties: { pad: 'y'.repeat(100_000) } })); // > one 64 KiB chunk
    const records = await readAll('long.ndjson', [JSON.stringify(item('a')), long, spanning, JSON.stringify(item('z'))].join('\n'), 'ndjson', 200_000);
    expect(summary(records)).toEqual([
      'a',
      'long.ndjson:2 ERR_ITEM_TOO_LARGE long.ndjson:2: line longer than 200000 bytes (max_item_bytes); the item is skipped',
      'spanning',
      'z',
    ]);
  });

  it('ends with a RunAbortedError naming the file when it cannot be opened', async () => {
    const read = async () => { for await (const _ of readItemFile({ path: 'none.ndjson', file: join(dir, 'none.ndjson'), format: 'ndjson', maxItemBytes: 1024 })) void _; };
    expect(await failureOf(read)).toEqual({ code: 'ERR_ITEMS_FILE', message: expect.stringMatching(/^cannot read items from none\.ndjson: .*ENOENT/) });
  });
});

describe('readItemFile: GeoJSON FeatureCollection', () => {
  it('reads the features of a real STAC ItemCollection (USGS CTX DTM search)', async () => {
    const text = fixture('item_collection_ctx_dtm_P02_001820_1984__P06_003442_1987_2025-01.json');
    const records = await readAll('ctx.json', text, 'geojson');
    expect(records).toEqual([{ item: JSON.parse(text).features[0], where: 'ctx.json:4: features[0]' }]);
  });

  it('streams many features in batches, failing the one that is no item with its index', async () => {
    const features = Array.from({ length: 3000 }, (_, i) => (i === 7 ? { type: 'Feature', properties: {} } : item(`f${i}`, { properties: { pad: 'p'.repeat(100) } })));
    const file = join(dir, 'many.geojson');
    writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features, links: [] }));
    const batches: number[] = [];
    const records: ItemRecord[] = [];
    for await (const batch of readItemFile({ path: 'many.geojson', file, format: 'geojson', maxItemBytes: 1 << 20 })) {
      batches.push(batch.length);
      records.push(...batch);
    }
    expect(records).toHaveLength(3000);
    expect(batches.length).toBeGreaterThan(5); // read chunk by chunk, not whole
    expect(summary([records[7]])).toEqual(['many.geojson#7 ERR_ITEM_INVALID many.geojson:1: features[7]: not a STAC Item: "id" must be a non-empty string']);
    expect('item' in records[2999] && records[2999].item.id).toBe('f2999');
  });

  it('fails a feature that is not JSON or longer than max_item_bytes alone, with file:line, and reads on', async () => {
    const big = JSON.stringify(item('big', { properties: { pad: 'x'.repeat(400_000) } }));
    const text = `{"type": "FeatureCollection", "features": [\n${JSON.stringify(item('a'))},\n${big},\n{"type": "Feature",, "id": "b"},\n${JSON.stringify(item('z'))}\n]}`;
    expect(summary(await readAll('mixed.json', text, 'geojson', 100_000))).toEqual([
      'a',
      'mixed.json#1 ERR_ITEM_TOO_LARGE mixed.json:3: features[1]: feature longer than 100000 bytes (max_item_bytes); the item is skipped',
      expect.stringMatching(/^mixed\.json#2 ERR_ITEM_JSON mixed\.json:4: features\[2\]: not JSON \(/),
      'z',
    ]);
  });

  it.each([
    ['broken between features', '{"type": "FeatureCollection",\n "features": [{"type": "Feature"} {}]}', /^cannot read items from bad\.json: expected ',' or '\]' after features\[0\] at line 2, column 35, found '\{'$/],
    ['broken between members', '{"type": "FeatureCollection" "features": []}', /^cannot read items from bad\.json: expected ',' or '\}' at line 1, column 30, found '"'$/],
    ['followed by more', '{"type": "FeatureCollection", "features": []} []', /^cannot read items from bad\.json: expected nothing after the collection at line 1, column 47, found '\['$/],
    ['cut short', '{"type": "FeatureCollection", "features": [{"type": "Feature"', /^cannot read items from bad\.json: the JSON ends too early/],
    ['a single Feature', JSON.stringify(item('a')), /^cannot read items from bad\.json: expected a GeoJSON FeatureCollection .*found "type": "Feature"/],
    ['an array', '[1, 2]', /^cannot read items from bad\.json: expected a JSON object \(\{"type": "FeatureCollection", \.\.\.\}\) at line 1, column 1, found '\['$/],
    ['an object without type', '{"features": []}', /expected a GeoJSON FeatureCollection .*found no top-level "type"/],
  ])('ends the run on a file that is %s (ERR_ITEMS_FILE)', async (_name, text, message) => {
    expect(await failureOf(() => readAll('bad.json', text, 'geojson'))).toEqual({ code: 'ERR_ITEMS_FILE', message: expect.stringMatching(message) });
  });
});
