import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { STAGES } from '../operators/index.js';
import { loadPipeline } from '../src/config/load.js';
import { runPipeline } from '../src/engine/run.js';
import { peakRssMb } from './child.js';

/** stac_search → select → filter → csv, as a user would declare it, through the real loader and engine. */
const { url, collection, limit } = JSON.parse(process.argv[2]!) as { url: string; collection: string; limit: number };
const dir = await mkdtemp(path.join(tmpdir(), 'stacflow-bench-'));
const file = path.join(dir, 'bench.yaml');
await writeFile(
  file,
  `name: bench
source:
  stac_search: { api: "${url}", collections: [${collection}], limit: ${limit} }
steps:
  - select: { gsd: gsd, start: start_datetime, image: assets.image.href }
  - filter: "gsd < 1000"
outputs:
  - csv: { path: "${path.join(dir, 'bench.csv')}" }
`,
);
const plan = await loadPipeline(file, STAGES, {});
const started = performance.now();
const highWater = process.env.BENCH_HIGH_WATER ? Number(process.env.BENCH_HIGH_WATER) : undefined;
const result = await runPipeline(plan, { log: pino({ level: 'silent' }), highWater });
const seconds = (performance.now() - started) / 1000;
if (result.exitCode !== 0) throw new Error(`bench pipeline ended with exit code ${result.exitCode}: ${JSON.stringify(result.report.error)}`);
process.stdout.write(`${JSON.stringify({ items: result.report.items.written, seconds, peakRssMb: peakRssMb() })}\n`);
await rm(dir, { recursive: true, force: true });
process.exit(0);
