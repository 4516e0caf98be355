import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { closeS3Clients } from '../../src/s3/client.js';
import { readLines, runYaml, tempDir } from './catalog-run.js';
import { hyparquetRows } from './geoparquet/read-back.js';

// Issue 13: a download that failed (404) names no local file in any catalog. Real runs: stac_search →
// download against the sandbox on 127.0.0.1, one image answering 404 NoSuchKey, then csv, ndjson and geoparquet.

const COLLECTION = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
let sandbox: Sandbox;
beforeAll(async () => { sandbox = await startSandbox({ seed: 7 }); });
afterAll(async () => { closeS3Clients(); await sandbox.close(); });

const exists = (file: string) => access(file).then(() => true, () => false);

function pipeline(dir: string, maxItems: number): string {
  return `name: local-files
s3: { region: us-west-2, anonymous: true, endpoint: "${sandbox.s3Endpoint}" }
source:
  stac_search: { api: "${sandbox.url}", collections: [${COLLECTION}], bbox: [3, 4, 5, 6], max_items: ${maxItems} }
steps:
  - download: { assets: [image], to: "${dir}/data/{collection}/{id}/" }
outputs:
  - csv: { path: ${dir}/out.csv }
  - ndjson: { path: ${dir}/out.ndjson }
  - geoparquet: { path: ${dir}/out.parquet }
`;
}

const searched = (maxItems: number) => sandbox.catalog.search({ collections: [COLLECTION], bbox: [3, 4, 5, 6] }).slice(0, maxItems).map((m) => m.id);

test('a 404 image leaves file:image empty in the CSV and out of the ndjson and geoparquet rows; the downloaded ones name files that exist', async () => {
  const ids = searched(3);
  expect(ids).toHaveLength(3);
  const [lost, ...kept] = ids; // the first in stream order: the CSV's header still comes from a good row
  sandbox.s3!.addFault({ match: `${lost}/image`, status: 404 });
  const dir = await tempDir('local-files');
  const run = await runYaml(pipeline(dir, 3), dir);
  expect(run.exitCode).toBe(3); // items failed, the run went on

  const rows = parse(await readFile(path.join(dir, 'out.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
  expect(rows.map((r) => r.id)).toEqual(ids);
  const row = (id: string) => rows.find((r) => r.id === id)!;
  expect(row(lost!)['file:image']).toBe('');
  expect(row(lost!).failed).toMatch(/^download: .*NoSuchKey/);
  expect(await exists(path.join(dir, 'data', COLLECTION, lost!, `${lost}.tif`))).toBe(false);
  for (const id of kept) {
    expect(row(id)['file:image']).toBe(path.join(dir, 'data', COLLECTION, id, `${id}.tif`));
    expect(await exists(row(id)['file:image']!)).toBe(true);
  }

  const items = (await readLines(path.join(dir, 'out.ndjson'))).map((line) => JSON.parse(line));
  const item = (id: string) => items.find((i) => i.id === id);
  expect(item(lost).assets.image['file:local_path']).toBeUndefined();
  expect(item(lost).properties['stacflow:failures']).toEqual([expect.objectContaining({ stage: 'download', status: 404 })]);
  for (const id of kept) expect(await exists(item(id).assets.image['file:local_path'])).toBe(true);

  const parquet = await hyparquetRows(path.join(dir, 'out.parquet'));
  const parquetRow = (id: string) => parquet.find((r) => r.id === id)!;
  expect(parquetRow(lost!)['file:image']).toBeNull();
  for (const id of kept) expect(await exists(parquetRow(id)['file:image'])).toBe(true);
}, 60_000);

test('when every download failed, the CSV has no file:image column at all', async () => {
  const ids = searched(5).slice(3);
  for (const id of ids) sandbox.s3!.addFault({ match: `${id}/image`, status: 404 });
  const dir = await tempDir('local-files-none');
  const run = await runYaml(pipeline(dir, 5).replace('bbox: [3, 4, 5, 6]', `ids: [${ids.join(', ')}]`), dir);
  expect(run.exitCode).toBe(3);
  const text = await readFile(path.join(dir, 'out.csv'), 'utf8');
  const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
  expect(rows.map((r) => r.id)).toEqual(ids);
  expect(text.split('\n')[0]).not.toContain('file:');
  for (const r of rows) expect(r.failed).toMatch(/^download: .*NoSuchKey/);
}, 60_000);
