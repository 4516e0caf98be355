import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runChild } from './child.js';

/**
 * `npm run bench -- catalogs` (issue 11, point 8): BENCH_CATALOG_ITEMS (default 1,000,000) Kaguya-like items
 * written as NDJSON to a temporary folder, then `items` → `filter` (CQL2, 3 clauses) → each output alone
 * (geoparquet, csv with geometry, ndjson) and all three together, each run in its own process, beside a baseline
 * run (a CSV of ids: reading and filtering)
 * (bench/catalogs-process.ts). Prints, per run: wall and CPU seconds, rows/s, peak RSS, each file's size; the
 * filter's evaluations per CPU second on entries of the file; and the ratio of each figure to its goal:
 * GeoParquet 1,000,000 rows in < 30 s with peak RSS < 300 MB and ≥ 5× smaller than the CSV; CQL2 ≥ 1,000,000
 * entries/s. The GeoParquet time is the whole run's (reading and filtering included), given for 1 M rows
 * (scaled by the rows written), and its writing alone: its run's CPU less the baseline's.
 */
/** `baseline`: a CSV of the id alone, so its run is what reading and filtering cost (the others less it: their writing). */
export type CatalogOutput = 'geoparquet' | 'csv' | 'ndjson' | 'baseline';
export type CatalogsArgs =
  | { mode: 'generate'; file: string; items: number }
  | { mode: 'filter'; file: string; entries: number }
  | { mode: 'run'; file: string; dir: string; outputs: CatalogOutput[] };

/** What a `run` child reports. */
export interface RunMeasurement {
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  read: number;
  kept: number;
  rows: Record<string, number>;
  bytes: Record<string, number>;
}

/** Three clauses on properties every item has; nearly every item passes, so the outputs write ~1 M rows. */
export const FILTER = `gsd < 10.55 AND "view:sun_elevation" > 3.1 AND collection LIKE 'kaguya_terrain_camera_%'`;

const ITEMS = Number(process.env.BENCH_CATALOG_ITEMS ?? 1_000_000);
const GOAL_SECONDS = 30;
const GOAL_RSS_MB = 300;
const GOAL_SMALLER = 5;
const GOAL_FILTER = 1_000_000;
const CASES: CatalogOutput[][] = [['baseline'], ['geoparquet'], ['csv'], ['ndjson'], ['geoparquet', 'csv', 'ndjson']];

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const n = (x: number): string => Math.round(x).toLocaleString('en-US');

export async function benchCatalogs(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'stacflow-bench-catalogs-'));
  try {
    const file = path.join(dir, 'items.ndjson');
    process.stderr.write(`catalogs bench: writing ${n(ITEMS)} items to ${file}\n`);
    const generated = await runChild<{ bytes: number; cpuSeconds: number }>('catalogs-process', { mode: 'generate', file, items: ITEMS } satisfies CatalogsArgs);
    const filter = await runChild<{ evaluations: number; kept: number; cpuSeconds: number }>('catalogs-process', { mode: 'filter', file, entries: Math.min(ITEMS, 20_000) } satisfies CatalogsArgs);
    const runs: Array<{ outputs: CatalogOutput[]; m: RunMeasurement }> = [];
    for (const outputs of CASES) {
      process.stderr.write(`catalogs bench: items → filter → ${outputs.join(' + ')}\n`);
      runs.push({ outputs, m: await runChild<RunMeasurement>('catalogs-process', { mode: 'run', file, dir, outputs } satisfies CatalogsArgs) });
    }
    return report(generated.bytes, filter, runs);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function report(inputBytes: number, filter: { evaluations: number; kept: number; cpuSeconds: number }, runs: Array<{ outputs: CatalogOutput[]; m: RunMeasurement }>): string {
  const lines = [
    `catalogs: ${n(ITEMS)} Kaguya-like items (${mb(inputBytes)} of NDJSON) → filter (${FILTER}) → outputs, each run in its own process`,
    '  outputs                     read       kept   wall s    CPU s    rows/s  peak RSS   sizes',
  ];
  for (const { outputs, m } of runs) {
    const sizes = outputs.map((o) => `${o} ${mb(m.bytes[o])}`).join(', ');
    lines.push(
      `  ${outputs.join(' + ').padEnd(24)} ${n(m.read).padStart(9)} ${n(m.kept).padStart(10)} ${m.seconds.toFixed(1).padStart(8)} ${m.cpuSeconds.toFixed(1).padStart(8)} ${n(m.kept / m.seconds).padStart(9)} ${`${m.peakRssMb} MB`.padStart(9)}   ${sizes}`,
    );
  }
  const rate = filter.evaluations / filter.cpuSeconds;
  lines.push(`  filter: ${n(rate)} evaluations/CPU s (${n(filter.evaluations)} evaluations of entries from the file, ${n(filter.kept)} kept)`);
  const gp = runs.find((r) => r.outputs.length === 1 && r.outputs[0] === 'geoparquet')!.m;
  const csv = runs.find((r) => r.outputs.length === 1 && r.outputs[0] === 'csv')!.m;
  const base = runs.find((r) => r.outputs[0] === 'baseline')!.m;
  const perMillion = (gp.seconds * 1_000_000) / gp.rows.geoparquet;
  const writerCpu = ((gp.cpuSeconds - base.cpuSeconds) * 1_000_000) / gp.rows.geoparquet;
  const smaller = csv.bytes.csv / gp.bytes.geoparquet;
  lines.push(
    'goals (ratio ≥ 1 meets the goal):',
    `  GeoParquet 1 M rows < ${GOAL_SECONDS} s: ${perMillion.toFixed(1)} s for 1 M rows (wall, reading and filtering included), ratio ${(GOAL_SECONDS / perMillion).toFixed(2)}`,
    `    of which writing (CPU s of the run less the baseline's, for 1 M rows): ${writerCpu.toFixed(1)} s, ratio ${(GOAL_SECONDS / writerCpu).toFixed(2)}`,
    `  GeoParquet peak RSS < ${GOAL_RSS_MB} MB: ${gp.peakRssMb} MB, ratio ${(GOAL_RSS_MB / gp.peakRssMb).toFixed(2)}`,
    `  GeoParquet ≥ ${GOAL_SMALLER}× smaller than the CSV (geometry: true): ${smaller.toFixed(2)}× smaller, ratio ${(smaller / GOAL_SMALLER).toFixed(2)}`,
    `  CQL2 ≥ ${n(GOAL_FILTER)} entries/s (3 clauses): ratio ${(rate / GOAL_FILTER).toFixed(2)}`,
    '',
  );
  return lines.join('\n');
}
