import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { FAULT_KINDS, startSandbox, type FaultRule, type Sandbox } from '../../sandbox/index.js';
import { ROOT } from '../cli/run-bin.js';
import { runPipelineWatched, type WatchedResult } from './watched-run.js';

/**
 * The tutorial's pipeline (pipelines/kaguya-tc.yaml: labels from S3, filter, image downloads, CSV) through the
 * sandbox's faults, run by the real bin (`npm run build` first) under a watchdog: 300 MB of resident set, and
 * a time limit. Short deadlines in the pipeline's `http:` section, so that stalls are seen in seconds.
 */

const SEED = 7;
const RSS_LIMIT_MB = 300;
const HTTP_SECTION = `http:
  connect_timeout: 2s
  head_timeout: 2s
  low_speed_time: 2s
  retry_base_delay: 100ms
  retry_max_delay: 1s
`;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'stacflow-faults-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** pipelines/kaguya-tc.yaml with an `http:` section (plus `httpExtra` lines) added before `source:`. */
async function pipelineFile(name: string, httpExtra = ''): Promise<string> {
  const original = await readFile(path.join(ROOT, 'pipelines', 'kaguya-tc.yaml'), 'utf8');
  const [before, after] = original.split(/^source:$/m);
  if (after === undefined) throw new Error('pipelines/kaguya-tc.yaml has no top-level source: line');
  // Pages of 10 items: more search requests, so more of them meet faults.
  const text = `${before}${HTTP_SECTION}${httpExtra}source:${after.replace(/^(\s+)max_items: 200.*$/m, '$1max_items: 200\n$1limit: 10')}`;
  const file = path.join(work, `${name}.yaml`);
  await writeFile(file, text);
  return file;
}

/** Runs the pipeline against a sandbox in its own folder (relative OUT_DIR and DATA_DIR: the CSVs compare). */
async function runAgainst(sandbox: Sandbox, file: string, name: string, timeLimitMs: number): Promise<{ result: WatchedResult; dir: string }> {
  const dir = path.join(work, name);
  await mkdir(dir, { recursive: true });
  const result = await runPipelineWatched([file], {
    cwd: dir,
    env: { STAC_API_URL: sandbox.url, S3_ENDPOINT: sandbox.s3Endpoint, OUT_DIR: 'out', DATA_DIR: 'data' },
    timeLimitMs,
    rssLimitMb: RSS_LIMIT_MB,
  });
  return { result, dir };
}

/**
 * Every file under `dir`, relative path → sha256; download sidecars (`.<name>.stacflow.json`, which hold
 * times) → 'sidecar': present in both runs, not compared byte for byte.
 */
async function fileHashes(dir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const sidecar = entry.name.startsWith('.') && entry.name.endsWith('.stacflow.json');
    hashes.set(path.relative(dir, file), sidecar ? 'sidecar' : sha256(await readFile(file)));
  }
  return new Map([...hashes].sort(([a], [b]) => a.localeCompare(b)));
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** Every request a sandbox saw, with the fault it met, in a canonical order (concurrency reorders them). */
const requestsAndFaults = (sandbox: Sandbox): { api: string[]; s3: string[] } => ({
  api: sandbox.requests.map((r) => `${r.method} ${r.url} ${JSON.stringify(r.body ?? '')} ${r.fault ?? '-'}`).sort(),
  s3: sandbox.s3!.requests.map((r) => `${r.method} ${r.url} ${r.headers.range ?? ''} ${r.fault ?? '-'}`).sort(),
});
const faultsMet = (log: Array<{ fault?: string }>) => new Set(log.flatMap((r) => (r.fault === undefined ? [] : [r.fault])));
const explain = (result: WatchedResult) => `exit ${result.code} ${result.signal ?? ''} ${result.killed ?? ''} after ${result.ms} ms, peak ${result.peakRssMb} MB\n${result.stderr.slice(-4000)}`;

test('kaguya-tc at 10% faults of every kind (API and S3): exit 0, the CSV and every file identical to a fault-free run\'s; a rerun meets the same faults', async () => {
  const file = await pipelineFile('kaguya-faults');
  const clean = await startSandbox({ seed: SEED });
  // Besides the random 10%, one of each kind on the API, which makes only a dozen requests.
  const apiFaults: FaultRule[] = [
    { path: '/', cutAfterBytes: 200 },
    { path: '/conformance', stallAfterBytes: 10 },
    { path: '/search', status: 429, retryAfter: '1' },
    { path: '/search', reset: true, skip: 1 },
    { path: '/search', status: 503, skip: 2 },
    { path: '/search', cutAfterBytes: 300, skip: 3 },
    { path: '/search', stallAfterBytes: 300, skip: 4 },
  ];
  const faultyOptions = { seed: SEED, faultRate: 0.1, maxStallMs: 60_000 };
  const faulty = await startSandbox({ ...faultyOptions, faults: apiFaults });
  let again: Sandbox | undefined;
  try {
    const reference = await runAgainst(clean, file, 'clean', 60_000);
    expect(explain(reference.result)).toMatch(/^exit 0 /);
    const run = await runAgainst(faulty, file, 'faulty', 90_000);
    const s3Faults = faultsMet(faulty.s3!.requests);
    const apiMet = faultsMet(faulty.requests);
    process.stderr.write(`fault run: ${run.result.ms} ms, peak ${run.result.peakRssMb} MB; API ${faulty.requests.length} requests, faults ${[...apiMet]}; S3 ${faulty.s3!.requests.length} requests, faults ${faulty.s3!.requests.filter((r) => r.fault).length} (${[...s3Faults]})\n`);
    expect(explain(run.result)).toMatch(/^exit 0 /);
    expect(run.result.peakRssMb).toBeLessThan(RSS_LIMIT_MB);

    // Every kind was met on S3 (random) and on the API (random and scripted).
    expect([...s3Faults].sort()).toEqual([...FAULT_KINDS].sort());
    for (const kind of ['429', 'reset', '503', 'truncate', 'stall']) expect(apiMet).toContain(kind);

    const csv = await readFile(path.join(run.dir, 'out', 'kaguya-tc.csv'));
    const referenceCsv = await readFile(path.join(reference.dir, 'out', 'kaguya-tc.csv'));
    expect(csv.toString()).toBe(referenceCsv.toString());
    const rows = parse(csv, { columns: true }) as Array<Record<string, string>>;
    expect(rows.length).toBeGreaterThan(10);

    const files = await fileHashes(path.join(run.dir, 'data'));
    expect(files).toEqual(await fileHashes(path.join(reference.dir, 'data')));
    for (const row of rows) {
      expect(files.get(path.join(row.collection, row.id, `${row.id}.tif`))).toBe(sha256(faulty.s3!.image(row.id)));
    }
    const report = JSON.parse(await readFile(path.join(run.dir, 'out', 'kaguya-tc.report.json'), 'utf8'));
    expect(report).toMatchObject({ status: 'done', exit_code: 0, items: { failed: 0, written: rows.length } });

    // Faults are drawn per request and attempt: the same run against a new sandbox with the same seed makes
    // the same requests and meets the same faults, whatever the order concurrency gave them.
    again = await startSandbox({ ...faultyOptions, faults: apiFaults });
    const rerun = await runAgainst(again, file, 'faulty-again', 90_000);
    expect(explain(rerun.result)).toMatch(/^exit 0 /);
    expect(requestsAndFaults(again)).toEqual(requestsAndFaults(faulty));
    expect((await readFile(path.join(rerun.dir, 'out', 'kaguya-tc.csv'))).toString()).toBe(referenceCsv.toString());
  } finally {
    await Promise.all([clean.close(), faulty.close(), again?.close()]);
  }
}, 240_000);

test('a label and an image that never answer, and an image whose body always stalls, fail their items within the deadline (exit 3); every other item completes', async () => {
  // give_up_after bounds each object: no new attempt after 10 s.
  const file = await pipelineFile('kaguya-silent', '  give_up_after: 10s\n');
  const sandbox = await startSandbox({ seed: SEED, maxStallMs: 120_000 });
  try {
    const found = sandbox.catalog.search({ bbox: [3, 4, 5, 6] });
    const lit = found.filter((e) => (sandbox.s3!.caminfo(e.id).incidenceAngle ?? Infinity) < 80);
    const silentLabel = found.find((e) => !lit.includes(e))!.id;
    const silentImage = lit[2].id;
    sandbox.s3!.addFault({ match: `${silentLabel}/caminfo_pvl`, stallHead: true });
    sandbox.s3!.addFault({ match: `${silentImage}/image`, stallHead: true });
    // Every GET of this one (resumed ones too) sends 1,000 bytes, then nothing: progress, but never the end.
    const stallingImage = lit[5].id;
    sandbox.s3!.addFault({ match: `${stallingImage}/image`, stallAfterBytes: 1000 });

    const run = await runAgainst(sandbox, file, 'silent', 90_000);
    process.stderr.write(`silent objects run: ${run.result.ms} ms, peak ${run.result.peakRssMb} MB\n`);
    expect(explain(run.result)).toMatch(/^exit 3 /);
    // Each object: 10 s to give up, plus one attempt's deadline and a backoff. Twice in a row: fetch_label emits
    // in search order, so the items after the silent label wait for it before the silent image's download starts.
    expect(run.result.ms).toBeLessThan(40_000);
    expect(run.result.peakRssMb).toBeLessThan(RSS_LIMIT_MB);

    const report = JSON.parse(await readFile(path.join(run.dir, 'out', 'kaguya-tc.report.json'), 'utf8'));
    expect(report.status).toBe('done_with_failures');
    const failures = report.failures as Array<{ item: string; stage: string; code: string }>;
    expect(failures.map((f) => [f.item, f.stage]).sort()).toEqual([[silentImage, 'download'], [stallingImage, 'download'], [silentLabel, 'fetch_label']].sort());
    process.stderr.write(`silent objects failures: ${failures.map((f) => `${f.stage} ${f.code}`).join(', ')}\n`);
    for (const failure of report.failures as Array<{ item: string; code: string; href: string; message: string }>) {
      expect(failure.message).toContain(failure.href);
      if (failure.item === stallingImage) {
        // The download engine's code for a body that kept stopping (its .part kept for the next run), naming the last error.
        expect(['ERR_LOW_SPEED', 'ERR_REQUEST_TIMEOUT', 'ERR_DOWNLOAD_INCOMPLETE']).toContain(failure.code);
      } else {
        // The head deadline per attempt, or the give-up time over all attempts (ERR_REQUEST_TIMEOUT, naming http.give_up_after).
        expect(['ERR_S3_UNAVAILABLE', 'ERR_HEAD_TIMEOUT', 'ERR_LOW_SPEED', 'ERR_REQUEST_TIMEOUT']).toContain(failure.code);
      }
    }

    const files = await fileHashes(path.join(run.dir, 'data'));
    for (const entry of lit.filter((e) => e.id !== silentImage && e.id !== stallingImage)) {
      expect(files.get(path.join(entry.collection, entry.id, `${entry.id}.tif`))).toBe(sha256(sandbox.s3!.image(entry.id)));
    }
    expect([...files.keys()].filter((f) => f.endsWith('.tif'))).toHaveLength(lit.length - 2);
  } finally {
    await sandbox.close();
  }
}, 120_000);
