import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { keptFields, storable } from '../../src/engine/kept-documents.js';
import { newEntry, withFailure, withFields, type Entry } from '../../src/entry.js';
import { compileFieldPath } from '../../src/fields/field-path.js';
import { parsePvl } from '../../src/pvl/index.js';

/**
 * The label documents of a failed entry kept in the state and brought back for its retry (incremental runs):
 * every field path reads the same from the revived document as from the parsed label; done entries are kept
 * without documents, revived ones included.
 */
const CAMINFO = path.join(import.meta.dirname, '..', 'fixtures', 'usgs', 'caminfo');

async function caminfoEntry(): Promise<Entry> {
  const file = (await readdir(CAMINFO)).filter((f) => f.endsWith('.pvl')).sort()[0];
  const document = parsePvl(await readFile(path.join(CAMINFO, file), 'utf8'), { source: file });
  const item = { type: 'Feature' as const, id: 'a', collection: 'c', geometry: null, properties: {}, assets: {} };
  return withFields(newEntry(item), { caminfo: document, incidence_angle: document.get('Caminfo.Geometry.IncidenceAngle') });
}

const PATHS = [
  'caminfo.Caminfo.Geometry.IncidenceAngle',
  'caminfo.caminfo.geometry.incidenceangle',
  'caminfo.Caminfo.Geometry.CenterLongitude',
  'caminfo.Caminfo.Geometry.CenterLongitude@units',
  'caminfo.Caminfo.Parameters.Program',
  'caminfo.Caminfo.Geometry.NoSuchKeyword',
  'caminfo.Caminfo.Geometry.IncidenceAngle.deeper',
  'incidence_angle',
];

test('a failed entry keeps its label; revived, every field path reads what it read from the parsed label', async () => {
  const entry = withFailure(await caminfoEntry(), { stage: 'download', code: 'ERR_HTTP', message: '503' });
  const kept = JSON.parse(JSON.stringify(storable(entry, 'failed'))) as Entry; // as the state stores and reads it
  const revived: Entry = { ...kept, fields: keptFields(kept.fields) };
  const read = (e: Entry) => PATHS.map((p) => compileFieldPath(p)(e));
  expect(read(revived)).toEqual(read(entry));
  expect(read(entry)[0]).toEqual(expect.any(Number));
  expect(JSON.stringify(revived.fields.caminfo)).toBe(JSON.stringify(entry.fields.caminfo));
  // Done again after its retry: kept without the document, as a first-time done entry is.
  expect(storable(revived, 'done').fields).toEqual(storable(entry, 'done').fields);
  expect(Object.keys(storable(revived, 'done').fields)).toEqual(['incidence_angle']);
});

test('entries without documents are kept as they are', () => {
  const entry = withFields(newEntry({ type: 'Feature', id: 'b', geometry: null, properties: {}, assets: {} }), { n: 1, nested: { get: 1 } });
  expect(storable(entry, 'done')).toBe(entry);
  expect(keptFields(entry.fields)).toEqual(entry.fields);
});
