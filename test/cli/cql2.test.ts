import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBin } from './run-bin.js';

/** `stacflow cql2`: for people and scripts; the compiled bin, as a user runs it. */
const ITEMS = new URL('../fixtures/cql2-corpus/items.ndjson', import.meta.url).pathname;

test('prints a text expression as CQL2 JSON, and JSON as text', async () => {
  const json = await runBin('stacflow', ['cql2', "eo:cloud_cover < 10 AND collection = 'x'"]);
  expect(json).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(json.stdout)).toEqual({
    op: 'and',
    args: [{ op: '<', args: [{ property: 'eo:cloud_cover' }, 10] }, { op: '=', args: [{ property: 'collection' }, 'x'] }],
  });
  const text = await runBin('stacflow', ['cql2', '{"op":"<","args":[{"property":"gsd"},10]}', '--to', 'text']);
  expect(text).toMatchObject({ code: 0, stdout: 'gsd < 10\n' });
});

test('a bad expression: exit 2 with its line, column and a caret; bad JSON names the JSON', async () => {
  const bad = await runBin('stacflow', ['cql2', 'gsd < < 3']);
  expect(bad.code).toBe(2);
  expect(bad.stdout).toBe('');
  expect(bad.stderr).toMatch(/^expression:1:7: /);
  expect(bad.stderr).toContain('  1 | gsd < < 3\n');
  const json = await runBin('stacflow', ['cql2', '{"op": "<", "args": [']);
  expect(json.code).toBe(2);
  expect(json.stderr).toMatch(/expression.*not JSON/);
});

test('--items prints the ids of the items that match, one a line, from NDJSON and from a FeatureCollection', async () => {
  const ndjson = await runBin('stacflow', ['cql2', 'intfield > 100 AND intfield <= 103', '--items', ITEMS]);
  expect(ndjson).toMatchObject({ code: 0, stdout: '101\n102\n103\n' });
  const dir = await mkdtemp(path.join(tmpdir(), 'stacflow-cql2-'));
  const { readFile } = await import('node:fs/promises');
  const features = (await readFile(ITEMS, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as unknown);
  const collection = path.join(dir, 'items.geojson');
  await writeFile(collection, JSON.stringify({ type: 'FeatureCollection', features }));
  const geojson = await runBin('stacflow', ['cql2', '{"op":"in","args":[{"property":"intfield"},[1,2,500]]}', '--items', collection]);
  expect(geojson).toMatchObject({ code: 0, stdout: '1\n2\n' });
});
