import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { KAGUYA_TC_COLLECTIONS, SandboxCatalog } from '../sandbox/index.js';
import { materialiseItem } from '../sandbox/item-factory.js';
import { newEntry, type Entry } from '../src/entry.js';
import { compileCql2, parseCql2Text } from '../src/fields/cql2/index.js';
import { STAGES } from '../operators/index.js';
import { loadPipeline } from '../src/config/load.js';
import { runPipeline } from '../src/engine/run.js';
import { FILTER, type CatalogOutput, type CatalogsArgs, type RunMeasurement } from './catalogs.js';
import { peakRssMb } from './child.js';

/**
 * One case of `npm run bench -- catalogs` (bench/catalogs.ts), in its own process so its RSS is its own:
 * - `generate`: writes `items` Kaguya-like STAC items as NDJSON: POOL distinct sandbox items (the real USGS
 *   item's shape: 43-vertex footprints, projjson, seven assets, four links, ~8.7 KB each), repeated with the
 *   round number in the id (so every id and href is unique), POOL larger than any row group.
 * - `filter`: the bench's CQL2 filter over the first entries of the file, evaluations per CPU second.
 * - `run`: items → filter → the named outputs, as a user declares it (YAML through the product's loader).
 */
const POOL = 20_000;
const ENDPOINT = 'https://stac.astrogeology.usgs.gov/api';
const EXTENSION: Record<CatalogOutput, string> = { geoparquet: 'parquet', csv: 'csv', ndjson: 'ndjson', baseline: 'ids.csv' };

const args = JSON.parse(process.argv[2]!) as CatalogsArgs;
const cpu0 = process.cpuUsage();
const result = args.mode === 'generate' ? generate(args.file, args.items) : args.mode === 'filter' ? filterRate(args.file, args.entries) : await run(args);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);

function generate(file: string, items: number): { bytes: number; cpuSeconds: number } {
  const catalog = new SandboxCatalog(11, KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: Math.ceil(POOL / KAGUYA_TC_COLLECTIONS.length) })));
  const pool = Array.from({ length: Math.min(POOL, items) }, (_, g) => {
    const item = materialiseItem(catalog, g, ENDPOINT);
    return { id: item.id, line: JSON.stringify(item) };
  });
  const fd = openSync(file, 'w');
  let batch: string[] = [];
  for (let i = 0; i < items; i++) {
    const { id, line } = pool[i % pool.length];
    const round = Math.floor(i / pool.length);
    batch.push(round === 0 ? line : line.replaceAll(id, `${id}_${round}`));
    if (batch.length === 500 || i === items - 1) {
      writeSync(fd, `${batch.join('\n')}\n`);
      batch = [];
    }
  }
  closeSync(fd);
  const used = process.cpuUsage(cpu0);
  return { bytes: statSync(file).size, cpuSeconds: (used.user + used.system) / 1e6 };
}

function filterRate(file: string, count: number): { evaluations: number; kept: number; cpuSeconds: number } {
  // The first entries of the file (`count` lines of ~8.7 KB), parsed before the clock starts.
  const entries: Entry[] = [];
  const head = Buffer.alloc(count * 12_000);
  const fd = openSync(file, 'r');
  const length = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  for (const line of head.subarray(0, length).toString('utf8').split('\n')) {
    if (entries.length === count) break;
    if (line.startsWith('{') && line.endsWith('}')) entries.push(newEntry(JSON.parse(line)));
  }
  const keep = compileCql2(parseCql2Text(FILTER));
  for (const entry of entries) keep(entry); // warm-up
  const rounds = Math.max(1, Math.ceil(2_000_000 / entries.length));
  const start = process.cpuUsage();
  let kept = 0;
  for (let r = 0; r < rounds; r++) for (const entry of entries) if (keep(entry)) kept += 1;
  const used = process.cpuUsage(start);
  return { evaluations: rounds * entries.length, kept, cpuSeconds: (used.user + used.system) / 1e6 };
}

async function run({ file, dir, outputs }: Extract<CatalogsArgs, { mode: 'run' }>): Promise<RunMeasurement> {
  const target = (o: CatalogOutput): string => path.join(dir, `bench.${EXTENSION[o]}`);
  const yaml = path.join(dir, `bench-${outputs.join('-')}.yaml`);
  // The CSV with its geometry (WKT) and bbox, as the GeoParquet has them; no collections read from the API (offline).
  const stage: Record<CatalogOutput, string> = { geoparquet: 'geoparquet', csv: 'csv', ndjson: 'ndjson', baseline: 'csv' };
  const options: Record<CatalogOutput, string> = { geoparquet: ', collections: none', csv: ', geometry: true', ndjson: '', baseline: ', columns: [id]' };
  const outputLines = outputs.map((o) => `  - ${stage[o]}: { path: "${target(o)}"${options[o]} }`);
  await writeFile(
    yaml,
    [`name: bench-catalogs`, `source:`, `  items: { path: "${file}" }`, `steps:`, `  - filter: ${JSON.stringify(FILTER)}`, `outputs:`, ...outputLines, ''].join('\n'),
  );
  const plan = await loadPipeline(yaml, STAGES, {});
  const started = performance.now();
  const result = await runPipeline(plan, { log: pino({ level: 'silent' }) });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu0);
  if (result.exitCode !== 0) throw new Error(`catalogs bench pipeline ended with exit code ${result.exitCode}: ${JSON.stringify(result.report.error)}`);
  const filter = result.report.stages.find((s) => s.kind === 'step')!;
  const rows: Record<string, number> = {};
  const bytes: Record<string, number> = {};
  for (const o of outputs) {
    rows[o] = result.report.stages.find((s) => s.label.startsWith(stage[o]))?.counters.rows ?? filter.out;
    bytes[o] = statSync(target(o)).size;
    await rm(target(o), { force: true });
  }
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, peakRssMb: peakRssMb(), read: filter.in, kept: filter.out, rows, bytes };
}
