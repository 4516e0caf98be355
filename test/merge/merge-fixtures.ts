/** Helpers for the merge tests: sandbox items, one pipeline run whole and as N shards (in process, as the bin runs them). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { STAGES } from '../../operators/index.js';
import { KAGUYA_TC_COLLECTIONS, SandboxCatalog } from '../../sandbox/index.js';
import { materialiseItem } from '../../sandbox/item-factory.js';
import { parsePipeline } from '../../src/config/load.js';
import type { LoadedPipeline } from '../../src/engine/pipeline.js';
import { runPipeline, type RunResult } from '../../src/engine/run.js';
import type { StacItem } from '../../src/entry.js';
import { hashSelection } from '../../src/shard/selection.js';
import { shardFiles } from '../../src/shard/shard-files.js';

/** `count` sandbox items (the real USGS item's shape), over the three Kaguya TC collections. */
export function sandboxItems(count: number, seed = 5): StacItem[] {
  const catalog = new SandboxCatalog(seed, KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: Math.ceil(count / KAGUYA_TC_COLLECTIONS.length) })));
  return Array.from({ length: count }, (_, g) => materialiseItem(catalog, g, 'https://stac.astrogeology.usgs.gov/api'));
}

/** The pipeline of the tests: items → select → rclone_manifest → every output (paths under `dir`). */
export function pipelineYaml(dir: string, itemsFile: string, extra: { csvColumns?: string; rowGroupSize?: number } = {}): string {
  return [
    'name: merged',
    `source: { items: { path: "${itemsFile}" } }`,
    'steps:',
    '  - select: { sun: "view:sun_azimuth" }',
    `  - rclone_manifest: { assets: [image], path: "${dir}/out/images.txt", dest: "data/{collection}/{id}/" }`,
    'outputs:',
    `  - csv: { path: "${dir}/out/items.csv"${extra.csvColumns ? `, columns: ${extra.csvColumns}` : ''} }`,
    `  - ndjson: { path: "${dir}/out/items.ndjson" }`,
    `  - geojson: { path: "${dir}/out/items.geojson" }`,
    `  - geoparquet: { path: "${dir}/out/items.parquet", collections: none, row_group_size: ${extra.rowGroupSize ?? 40} }`,
    '',
  ].join('\n');
}

export async function writeItems(file: string, items: readonly StacItem[]): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, items.map((item) => JSON.stringify(item)).join('\n') + '\n');
  return file;
}

export const loadYaml = (yaml: string, dir: string): LoadedPipeline => parsePipeline(yaml, path.join(dir, 'pipeline.yaml'), STAGES, {});

const silent = pino({ level: 'silent' });

/** The pipeline run whole. */
export const runWhole = (plan: LoadedPipeline): Promise<RunResult> => runPipeline(plan, { log: silent });

/** Shard `index` of `count`, as `run-pipeline FILE --shard index/count` runs it: its own files, its hash's items. */
export function runShard(plan: LoadedPipeline, index: number, count: number): Promise<RunResult> {
  const spec = { index, count, from: 'flag' as const };
  return runPipeline(shardFiles(plan, spec), { log: silent, shard: hashSelection(spec) });
}
