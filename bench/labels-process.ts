import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { from, lastValueFrom, reduce } from 'rxjs';
import { Pool } from 'undici';
import { fetchLabel, fetchLabelOptions } from '../operators/fetch-label.js';
import { newEntry, type StacItem } from '../src/entry.js';
import { readLabelText } from '../src/labels/fetch.js';
import { createHttpClient } from '../src/http/client.js';
import { DEFAULT_LIMITS } from '../src/http/limits.js';
import { unlimitedDemand } from '../src/engine/demand.js';
import { RunStats } from '../src/engine/stats.js';
import type { StageContext } from '../src/engine/stage.js';
import { stageContext, stepOperator } from '../src/engine/per-entry.js';
import { decodePvlBytes } from '../src/pvl/decode.js';
import { closeParsePool, parsePvlOffThread } from '../src/pvl/parse-pool.js';
import { closeS3Clients, getObjectBytes } from '../src/s3/client.js';
import { SandboxCatalog } from '../sandbox/catalog.js';
import { materialiseItem } from '../sandbox/item-factory.js';
import { peakRssMb } from './child.js';

/**
 * One measured way of reading the caminfo labels of the bench catalog from the sandbox S3, `concurrency` at a
 * time, in this process alone (bench/labels.ts starts one per mode):
 * - `undici`: a plain GET per label on an undici Pool, body read, nothing else (the floor: what any client pays);
 * - `undici+parse`: the same, then decoded and parsed as fetch_label does (a fetch_label without the SDK);
 * - `sdk`: src/s3/client.ts getObjectBytes (anonymous: the direct GET of anonymous-get.ts, not the AWS SDK's middleware;
 *   stacflow's retry loop), no parse;
 * - `reader`: readLabelText + parse, as fetch_label's work does, without the operator (splits the stage's cost:
 *   the read path, or the operator and engine around it);
 * - `stage`: the real fetch_label stage (readLabelText + parse, its concurrency helper, stats) over the items.
 * Prints one JSON line: labels, seconds, CPU ms (process.cpuUsage: every thread, the parse workers included), GC ms.
 */
export type LabelsMode = 'undici' | 'undici+parse' | 'sdk' | 'reader' | 'stage';

export interface LabelsArgs {
  mode: LabelsMode;
  s3Endpoint: string;
  seed: number;
  collections: Array<{ id: string; items: number }>;
  concurrency: number;
  /** Labels read first, unmeasured (connections, JIT). */
  warmup: number;
}

export interface LabelsMeasurement {
  mode: LabelsMode;
  labels: number;
  seconds: number;
  cpuMs: number;
  gcMs: number;
  bytes: number;
  peakRssMb: number;
}

const args = JSON.parse(process.argv[2]!) as LabelsArgs;
const catalog = new SandboxCatalog(args.seed, args.collections);
// Items cut to what fetch_label reads (id, collection, the label asset): whole ones (~8.5 KB of JSON each)
// would charge their garbage to the labels.
const items: StacItem[] = Array.from({ length: catalog.size }, (_, g) => {
  const { id, collection, assets } = materialiseItem(catalog, g, 'http://127.0.0.1:1');
  return { type: 'Feature', id, collection, geometry: null, properties: {}, assets: { caminfo_pvl: assets.caminfo_pvl! } };
});
const settings = { region: 'us-west-2', anonymous: true, endpoint: args.s3Endpoint, limits: DEFAULT_LIMITS };

/** `https://astrogeo-ard.s3-us-west-2.amazonaws.com/<key>` → `/astrogeo-ard/<key>` (path-style, as the SDK asks). */
const pathOf = (href: string): string => {
  const url = new URL(href);
  return `/${url.hostname.split('.')[0]}${url.pathname}`;
};

let pool: Pool | undefined;
async function undiciGet(href: string): Promise<Uint8Array> {
  pool ??= new Pool(args.s3Endpoint, { connections: args.concurrency, pipelining: 1 });
  const { statusCode, body } = await pool.request({ method: 'GET', path: pathOf(href) });
  const bytes = new Uint8Array(await body.arrayBuffer());
  if (statusCode !== 200) throw new Error(`GET ${href}: ${statusCode}`);
  return bytes;
}

/** Runs `work` over `hrefs`, `concurrency` at a time; returns the bytes read. */
async function eachLabel(hrefs: string[], work: (href: string) => Promise<number>): Promise<number> {
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < hrefs.length) {
      const href = hrefs[next++]!;
      const n = await work(href); // not `bytes += await`: that reads `bytes` before the wait, losing the other workers' sums
      bytes += n;
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  return bytes;
}

function fetchLabelContext(): StageContext {
  return stageContext({
    stats: new RunStats(),
    log: pino({ level: 'silent' }),
    http: createHttpClient({ limits: DEFAULT_LIMITS }),
    limits: DEFAULT_LIMITS,
    s3: settings,
    signal: new AbortController().signal,
    pipelineName: 'bench-labels',
    demand: unlimitedDemand(),
  }, 'fetch_label');
}

async function readAll(mode: LabelsMode, chosen: typeof items): Promise<number> {
  const hrefs = chosen.map((item) => item.assets.caminfo_pvl!.href);
  switch (mode) {
    case 'undici':
      return eachLabel(hrefs, async (href) => (await undiciGet(href)).byteLength);
    case 'undici+parse':
      return eachLabel(hrefs, async (href) => {
        const bytes = await undiciGet(href);
        await parsePvlOffThread(decodePvlBytes(bytes).text, href);
        return bytes.byteLength;
      });
    case 'sdk':
      return eachLabel(hrefs, async (href) => (await getObjectBytes(settings, href)).body.byteLength);
    case 'reader': {
      const reader = { http: createHttpClient({ limits: DEFAULT_LIMITS }), s3: settings, signal: new AbortController().signal };
      return eachLabel(hrefs, async (href) => {
        const label = await readLabelText(href, reader);
        await parsePvlOffThread(label.text, href);
        return label.bytes;
      });
    }
    case 'stage': {
      const ctx = fetchLabelContext();
      const operator = stepOperator(await fetchLabel.create(fetchLabelOptions.parse({ asset: 'caminfo_pvl', as: 'caminfo', concurrency: args.concurrency }), ctx), ctx);
      const failed = await lastValueFrom(from(chosen.map(newEntry)).pipe(operator, reduce((n, e) => n + (e.failures.length > 0 ? 1 : 0), 0)));
      if (failed > 0) throw new Error(`${failed} labels failed: ${JSON.stringify(ctx.stats.failures.slice(0, 1))}`);
      return ctx.stats.stage('fetch_label').counters.bytes ?? 0;
    }
  }
}

let gcMs = 0;
const gc = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
});

/** BENCH_LABELS_CPU_PROF=<dir>: a V8 CPU profile of the measured pass (open it in Chrome DevTools or speedscope). */
const profileDir = process.env.BENCH_LABELS_CPU_PROF;
const profiler = profileDir ? new Session() : undefined;

/**
 * BENCH_LABELS_ALLOC_PROF=<dir>: a sampled allocation profile of the measured pass, garbage included (what the
 * GC is given to do per label, by allocation site; open the .heapprofile in Chrome DevTools).
 */
const allocDir = process.env.BENCH_LABELS_ALLOC_PROF;
const allocProfiler = allocDir ? new Session() : undefined;

await readAll(args.mode, items.slice(0, args.warmup));
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
if (allocProfiler) {
  allocProfiler.connect();
  await allocProfiler.post('HeapProfiler.enable');
  await allocProfiler.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
gc.observe({ entryTypes: ['gc'] });
const cpu = process.cpuUsage();
const started = performance.now();
const bytes = await readAll(args.mode, items);
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
gc.disconnect();
if (profiler && profileDir) {
  const { profile } = await profiler.post('Profiler.stop');
  await writeFile(path.join(profileDir, `labels-${args.mode.replace('+', '-')}-${process.pid}.cpuprofile`), JSON.stringify(profile));
  profiler.disconnect();
}
if (allocProfiler && allocDir) {
  const { profile } = await allocProfiler.post('HeapProfiler.stopSampling');
  await writeFile(path.join(allocDir, `labels-${args.mode.replace('+', '-')}-${process.pid}.heapprofile`), JSON.stringify(profile));
  allocProfiler.disconnect();
}
const result: LabelsMeasurement = {
  mode: args.mode, labels: items.length, seconds, cpuMs: (used.user + used.system) / 1000, gcMs, bytes, peakRssMb: peakRssMb(),
};
await pool?.close();
closeS3Clients();
await closeParsePool();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
