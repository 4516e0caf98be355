import { rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { StacItem } from '../../src/entry.js';
import { createHttpClient } from '../../src/http/client.js';
import { searchPages } from '../../src/stac/paging.js';
import { openStateStore } from '../../src/state/store.js';
import { itemSourceText } from '../../src/util/item-source.js';
import { fakeApi } from '../stac/fake-api.js';
import { START, tempDir } from './state-fixture.js';

/**
 * An item from a search page is stored as the text the page brought it in (src/util/item-source.ts), not
 * serialized again on the run's thread: the state's entry holds that text as it was (here pretty-printed, with
 * a non-ASCII name and an escape JSON.stringify would not write), and reads back as the same item.
 */
let dir: string;
beforeAll(async () => {
  dir = await tempDir('bytes');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const items = [
  { type: 'Feature', id: 'a-1', collection: 'c', geometry: null, properties: { updated: 'v1', title: 'Tycho — 月' }, assets: {} },
  { type: 'Feature', id: 'a-2', collection: 'c', geometry: null, properties: { updated: 'v1', note: 'slash / kept' }, assets: {} },
];
// As an API may send it: indented, and with the `\/` escape (JSON.stringify writes a bare `/`).
const page = JSON.stringify({ type: 'FeatureCollection', features: items, links: [] }, null, 2).replace('slash / kept', 'slash \\/ kept');

async function searched(): Promise<StacItem[]> {
  const api = await fakeApi(() => ({ body: page }));
  try {
    const found: StacItem[] = [];
    for await (const p of searchPages({ method: 'GET', url: `${api.url}search` }, { http: createHttpClient(), label: 'search' })) found.push(...p.items);
    return found;
  } finally {
    await api.close();
  }
}

test('an item parsed from a search page has the text it came in; a copy of it has none', async () => {
  const [first] = await searched();
  const text = itemSourceText(first!);
  expect(text?.startsWith('{\n      "type": "Feature"')).toBe(true);
  expect(JSON.parse(text!)).toEqual(first);
  expect(itemSourceText({ ...first! })).toBeUndefined();
});

test('the state stores a searched item as that text, and an item from elsewhere stringified; both read back the same', async () => {
  const [a1, a2] = await searched();
  const file = path.join(dir, 'state.sqlite');
  const store = await openStateStore(file);
  const run = store.beginRun(START);
  const entry = (item: StacItem) => ({ item, fields: { x: 1 }, files: {}, failures: [] });
  store.record(run, 'c/a-1', 'v1', entry(a1!), 'done');
  store.record(run, 'c/a-2', 'v1', entry(a2!), 'done');
  store.record(run, 'c/a-3', 'v1', entry({ ...a2!, id: 'a-3' }), 'done');
  store.close();
  const db = new Database(file, { readonly: true });
  const stored = (key: string) => db.prepare('SELECT entry FROM items JOIN entries USING (item_no) WHERE key = ?').pluck().get(key) as string;
  try {
    expect(stored('c/a-1')).toContain('"title": "Tycho — 月"');
    expect(stored('c/a-2')).toContain('"note": "slash \\/ kept"');
    expect(stored('c/a-3')).toContain('"note":"slash / kept"');
  } finally {
    db.close();
  }
  const again = await openStateStore(file);
  expect(again.storedEntry('c/a-1')).toEqual(entry(a1!));
  expect(again.storedEntry('c/a-2')).toEqual(entry(a2!));
  expect(again.storedEntry('c/a-3')).toEqual(entry({ ...a2!, id: 'a-3' }));
  again.close();
});
