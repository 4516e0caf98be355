import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { geoparquet, geoparquetOptions } from '../../operators/geoparquet.js';
import { STAGES } from '../../operators/index.js';
import { newEntry, withFailure, withFields, type Entry, type StacItem } from '../../src/entry.js';
import { testContext } from '../helpers/context.js';
import { duckdb, hyparquetRows } from '../catalog/geoparquet/read-back.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const kaguya = (id: string): StacItem =>
  JSON.parse(readFileSync(new URL(`../fixtures/usgs/stac/item_kaguya_tc_monoscopic_${id}.json`, import.meta.url), 'utf8'));
const ITEMS = ['TC1S2B0_01_07495N079E3030', 'TC1S2B0_01_07496N087E3020', 'TC1S2B0_01_07496N183E3021'].map(kaguya);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stacflow-geoparquet-stage-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// These items link the real USGS API: `collections: none` keeps the tests offline (collections.test.ts reads them from the sandbox).
const offline = (options: Record<string, unknown>) => geoparquetOptions.parse({ collections: 'none', ...options });

async function writeAll(options: Record<string, unknown>, entries: Entry[], ctx = testContext('geoparquet')) {
  const sink = await geoparquet.create(offline(options), ctx);
  for (const entry of entries) await sink.write(entry);
  return { result: await sink.finish(), ctx };
}

describe('geoparquet options', () => {
  test('the documented example parses, with the defaults', () => {
    expect(geoparquetOptions.parse((parseYaml(geoparquet.example) as { geoparquet: unknown }).geoparquet)).toEqual({
      path: 'out/kaguya-tc.parquet',
      row_group_size: 5_000,
      include_failed: true,
      mode: 'snapshot',
      collections: 'fetch',
    });
  });

  test('every option is described; unknown keys and bad sizes are refused at load', () => {
    for (const [name, option] of Object.entries(geoparquetOptions.shape)) expect([name, option.description]).toEqual([name, expect.any(String)]);
    expect(geoparquetOptions.safeParse({ path: 'x.parquet', row_groups: 5 }).success).toBe(false);
    expect(geoparquetOptions.safeParse({ path: 'x.parquet', row_group_size: 0 }).success).toBe(false);
    expect(geoparquetOptions.safeParse({ path: '' }).success).toBe(false);
  });

  test('is registered as an output', () => {
    expect(STAGES.get('geoparquet')).toBe(geoparquet);
    expect(geoparquet.kind).toBe('output');
  });
});

describe('geoparquet output', () => {
  test('writes every entry, renames into place, leaves no temporary file, counts rows', async () => {
    const path = join(dir, 'out', 'kaguya.parquet');
    const entries = ITEMS.map((item, i) => withFields(newEntry(item), { incidence_angle: 60 + i }));
    const { result, ctx } = await writeAll({ path }, entries);
    expect(result).toEqual({ path, rows: 3 });
    expect(readdirSync(join(dir, 'out'))).toEqual(['kaguya.parquet']);
    expect(ctx.stats.stage('geoparquet').counters).toEqual({ rows: 3 });
    const rows = await duckdb(`SELECT id, "stacflow:incidence_angle" AS a FROM read_parquet('${path}')`);
    expect(rows).toEqual(ITEMS.map((item, i) => ({ id: item.id, a: 60 + i })));
  });

  test('include_failed: false leaves failed entries out and counts them', async () => {
    const path = join(dir, 'ok.parquet');
    const failed = withFailure(newEntry(ITEMS[2]), { stage: 'download', code: 'ERR_HTTP', message: 'HTTP 503' });
    const ctx = testContext('geoparquet');
    const { result } = await writeAll({ path, include_failed: false }, [newEntry(ITEMS[0]), failed], ctx);
    expect(result.rows).toBe(1);
    expect(ctx.stats.stage('geoparquet').counters).toEqual({ failed_left_out: 1, rows: 1 });
    expect((await hyparquetRows(path)).map((r) => r.id)).toEqual([ITEMS[0].id]);
  });

  test('abort removes the temporary file and leaves an earlier file as it was', async () => {
    const path = join(dir, 'kept.parquet');
    writeFileSync(path, 'earlier run');
    const sink = await geoparquet.create(offline({ path, row_group_size: 1 }), testContext('geoparquet'));
    await sink.write(newEntry(ITEMS[0]));
    await sink.write(newEntry(ITEMS[1])); // a row group is on disk by now
    expect(readdirSync(dir).some((f) => f.includes('.tmp-'))).toBe(true);
    await sink.abort();
    expect(readdirSync(dir)).toEqual(['kept.parquet']);
    expect(readFileSync(path, 'utf8')).toBe('earlier run');
  });

  test('path `-` streams the file to standard output', async () => {
    const script = `
      import { readFileSync } from 'node:fs';
      import { geoparquet, geoparquetOptions } from './operators/geoparquet.ts';
      import { newEntry } from './src/entry.ts';
      import { testContext } from './test/helpers/context.ts';
      const item = JSON.parse(readFileSync('test/fixtures/usgs/stac/item_kaguya_tc_monoscopic_TC1S2B0_01_07496N087E3020.json', 'utf8'));
      const sink = await geoparquet.create(geoparquetOptions.parse({ path: '-', collections: 'none' }), testContext('geoparquet'));
      await sink.write(newEntry(item));
      await sink.finish();
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const bytes = Buffer.concat(chunks);
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    const file = join(dir, 'from-stdout.parquet');
    writeFileSync(file, bytes);
    expect(await duckdb(`SELECT id FROM read_parquet('${file}')`)).toEqual([{ id: 'TC1S2B0_01_07496N087E3020' }]);
    expect(existsSync(join(ROOT, '-'))).toBe(false);
  }, 30_000);
});
