import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { STAGES } from '../operators/index.js';
import { KAGUYA_TC_COLLECTIONS, SandboxCatalog } from '../sandbox/index.js';
import { materialiseItem } from '../sandbox/item-factory.js';
import { loadPipeline } from '../src/config/load.js';
import { runPipeline } from '../src/engine/run.js';
import { mergeShards } from '../src/merge/merge.js';
import { shardPath, shardTag } from '../src/shard/shard-spec.js';
import { peakRssMb } from './child.js';
import type { MergeArgs, MergeFormat } from './merge.js';

/**
 * The merge bench's child (bench/merge.ts):
 * - `prepare`: one shard's files written by the real outputs from ROWS sandbox items (the real USGS item's
 *   shape, ~8.7 KB each), then copied for every other shard, each with its report (its `shard` section).
 * - `merge`: `stacflow merge` of one format's 64 shard files, timed, after the reference: every shard file
 *   read once (what any merge must at least do).
 */
const EXTENSION: Record<MergeFormat, string> = { csv: 'csv', ndjson: 'ndjson', geoparquet: 'parquet' };
const args = JSON.parse(process.argv[2]!) as MergeArgs;
const log = pino({ level: 'silent' });

const yamlOf = (dir: string, formats: readonly MergeFormat[]): string =>
  [
    'name: bench-merge',
    `source: { items: { path: "${path.join(dir, 'items.ndjson')}" } }`,
    'outputs:',
    ...formats.map((f) => `  - ${f}: { path: "${path.join(dir, 'out', `bench.${EXTENSION[f]}`)}"${f === 'geoparquet' ? ', collections: none' : ''} }`),
    '',
  ].join('\n');

if (args.mode === 'prepare') {
  const { dir, rows, shards } = args;
  const catalog = new SandboxCatalog(3, KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: Math.ceil(rows / KAGUYA_TC_COLLECTIONS.length) })));
  const lines = Array.from({ length: rows }, (_, g) => JSON.stringify(materialiseItem(catalog, g, 'https://stac.astrogeology.usgs.gov/api')));
  await mkdir(path.join(dir, 'out'), { recursive: true });
  await writeFile(path.join(dir, 'items.ndjson'), `${lines.join('\n')}\n`);
  const formats: MergeFormat[] = ['csv', 'ndjson', 'geoparquet'];
  await writeFile(path.join(dir, 'all.yaml'), yamlOf(dir, formats));
  const plan = await loadPipeline(path.join(dir, 'all.yaml'), STAGES, {});
  // Shard 0's files, as `--shard 0/N` names them, from a run of all the items.
  const first = { index: 0, count: shards };
  const shard0 = Object.freeze({
    ...plan,
    report: shardPath(path.join(dir, 'out', 'bench-merge.report.json'), first),
    outputs: plan.outputs.map((o) => ({ ...o, options: { ...(o.options as object), path: shardPath((o.options as { path: string }).path, first) } })),
  });
  const result = await runPipeline(shard0, { log });
  if (result.exitCode !== 0) throw new Error(`bench shard run ended ${result.exitCode}`);
  const report = JSON.parse(await readFile(result.reportPath, 'utf8'));
  for (let index = 0; index < shards; index++) {
    const spec = { index, count: shards };
    if (index > 0) for (const f of formats) await copyFile(shardPath(path.join(dir, 'out', `bench.${EXTENSION[f]}`), first), shardPath(path.join(dir, 'out', `bench.${EXTENSION[f]}`), spec));
    report.shard = { index, count: shards, from: 'flag', strategy: 'hash', tag: shardTag(spec) };
    await writeFile(shardPath(path.join(dir, 'out', 'bench-merge.report.json'), spec), JSON.stringify(report));
  }
  process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
} else {
  const { dir, shards, format } = args;
  const file = path.join(dir, `${format}.yaml`);
  await writeFile(file, yamlOf(dir, [format]));
  const plan = await loadPipeline(file, STAGES, {});
  // The reference: every shard file read once, as `cat` would.
  let bytes = 0;
  const t0 = performance.now();
  for (let index = 0; index < shards; index++) {
    for await (const chunk of createReadStream(shardPath(path.join(dir, 'out', `bench.${EXTENSION[format]}`), { index, count: shards }), { highWaterMark: 1 << 20 })) bytes += (chunk as Buffer).length;
  }
  const readSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const result = await mergeShards({ plan, shards, log, reportPath: path.join(dir, `merge-${format}.report.json`) });
  const seconds = (performance.now() - t1) / 1000;
  if (result.exitCode !== 0) throw new Error(`merge ended ${result.exitCode}: ${JSON.stringify(result.report.error)}`);
  const output = Object.values(result.report.outputs)[0];
  process.stdout.write(`${JSON.stringify({ seconds, readSeconds, bytes, rows: output.rows, peakRssMb: peakRssMb(), rewritten: output.rewritten === true })}\n`);
}
process.exit(0);
