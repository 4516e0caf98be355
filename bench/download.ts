import { spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseByteSize } from '../src/download/size.js';
import { PACKAGE_ROOT } from '../src/package-root.js';
import { NODE_FLAGS } from '../src/runtime-flags.js';
import { getObjectBytes, headObject, objectStream, closeS3Clients } from '../src/s3/client.js';
import { startChild } from './child.js';
import { md5File, objectPath, parseObjectSpec, planObjects, writeObjects, type BenchObject } from './download-objects.js';
import { benchPipelineYaml, missingTools, rcloneCommand, runTimed, stacflowCommand, type Budget, type ToolRun } from './download-tools.js';
import { verifyDestination } from './download-verify.js';
import { formatReport, formatSummary, TOOLS, type ProtocolFigures, type RunFigures, type Tool } from './download-report.js';
import type { UndiciArgs } from './download-undici-process.js';
import { NGINX, startNginx, TLS_CERT, type LoggedRequest, type Nginx } from './nginx.js';

/**
 * `npm run bench -- download` (issue 4, point 6; issue 9): the same objects from the same local endpoint (nginx),
 * stacflow's `download` step vs `rclone copy --files-from`, alternating, each into an empty folder, each
 * verified afterwards, first over HTTPS (the path real S3 takes: nginx with the test certificate, trusted by
 * stacflow through AWS_CA_BUNDLE and by rclone through --ca-cert), then over plain HTTP. Prints MB/s, the ratio
 * stacflow/rclone for each (goal ≥ 1.0 over HTTPS) and peak RSS (goal < 150 MB).
 *
 * Env: BENCH_DL_SMALL (default 40x20MB), BENCH_DL_LARGE (2x500MB), BENCH_DL_ROUNDS (2), BENCH_DL_WARMUP (1 untimed
 * run of each tool first), BENCH_DL_TRANSFERS
 * (16: stacflow `concurrency`, rclone `--transfers`), BENCH_DL_MAX_REQUESTS (16: stacflow `max_requests`),
 * BENCH_DL_STREAMS (4: rclone `--multi-thread-streams`), BENCH_DL_CUTOFF (250M: rclone `--multi-thread-cutoff`),
 * BENCH_DL_THRESHOLD / BENCH_DL_PART (64MiB / 16MiB: stacflow `multipart_threshold` / `part_size`),
 * BENCH_DL_WORKERS (2: nginx worker_processes), BENCH_DL_TMP (parent of the temp folder; default the OS's),
 * BENCH_DL_PROTOCOLS (`https,http`: which endpoints, in that order), BENCH_DL_CPU_PROF=<dir> (a V8 CPU profile of each
 * stacflow run, written there; the profiler's own cost then inflates its figures), BENCH_DL_TOOLS (`stacflow,rclone,undici`:
 * `undici` is the floor, a bare undici client with no engine, bench/download-undici-process.ts), BENCH_DL_UNDICI_THREADS
 * (1: the floor's worker threads).
 *
 * stacflow runs as `node bin/run-pipeline.js`, i.e. the compiled CLI in dist/ (`npm run bench` builds it first).
 */

const COLLECTION = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
const SEED = 4;
const MB = 1e6;

export async function benchDownload(): Promise<void> {
  const install = missingTools(NGINX);
  if (install) {
    process.stderr.write(`the download benchmark needs nginx (${NGINX}), rclone and GNU time: ${install}\n`);
    process.exit(2);
  }
  const small = parseObjectSpec(process.env.BENCH_DL_SMALL ?? '40x20MB', 'BENCH_DL_SMALL');
  const large = parseObjectSpec(process.env.BENCH_DL_LARGE ?? '2x500MB', 'BENCH_DL_LARGE');
  const rounds = envCount('BENCH_DL_ROUNDS', 2);
  const warmups = envCount('BENCH_DL_WARMUP', 1, 0);
  const budget: Budget = {
    transfers: envCount('BENCH_DL_TRANSFERS', 16),
    maxRequests: envCount('BENCH_DL_MAX_REQUESTS', 16),
    streams: envCount('BENCH_DL_STREAMS', 4),
    rcloneCutoff: process.env.BENCH_DL_CUTOFF ?? '250M',
    multipartThreshold: process.env.BENCH_DL_THRESHOLD ?? '64MiB',
    partSize: process.env.BENCH_DL_PART ?? '16MiB',
  };
  const workers = process.env.BENCH_DL_WORKERS === 'auto' ? 'auto' : envCount('BENCH_DL_WORKERS', 2);
  const protocols = parseProtocols(process.env.BENCH_DL_PROTOCOLS ?? 'https,http');
  const tools = parseTools(process.env.BENCH_DL_TOOLS ?? TOOLS.join(','));
  const undiciThreads = envCount('BENCH_DL_UNDICI_THREADS', 1);

  const objects = planObjects(SEED, COLLECTION, small, large);
  const totalBytes = objects.reduce((sum, o) => sum + o.bytes, 0);
  const tmp = await mkdtemp(path.join(process.env.BENCH_DL_TMP ?? tmpdir(), 'stacflow-bench-dl-'));
  await chmod(tmp, 0o755); // nginx's workers run as nobody when the bench runs as root
  const root = path.join(tmp, 'objects');
  const dest = path.join(tmp, 'dest');
  let nginx: Nginx | undefined;
  let sandbox: ChildProcess | undefined;
  // Ctrl-C skips `finally`: still remove the ~2 GB written (nginx and the sandbox get the same SIGINT).
  const onInterrupt = () => {
    rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    process.stderr.write(`download bench: writing ${objects.length} objects (${(totalBytes / MB).toFixed(0)} MB) under ${root}\n`);
    await writeObjects(root, objects);
    nginx = await startNginx({ root, dir: path.join(tmp, 'nginx'), workers });
    // This process checks the HTTPS endpoint too (its S3 clients read AWS_CA_BUNDLE when they are made).
    process.env.AWS_CA_BUNDLE = TLS_CERT;
    const endpoints: Record<Protocol, string> = { https: nginx.httpsEndpoint, http: nginx.endpoint };
    for (const protocol of protocols) await checkEndpoint(endpoints[protocol], objects[0]!);
    const started = await startChild<{ url: string }>('sandbox-process', { seed: SEED, collections: [{ id: COLLECTION, items: objects.length }], s3: { enabled: false } });
    sandbox = started.child;

    const bucket = objects[0]!.bucket;
    const list = path.join(tmp, 'files-from.txt');
    await writeFile(list, objects.map((o) => `${o.key}\n`).join(''));
    const md5s = new Map<number, Promise<string>>();
    const sourceMd5 = (o: BenchObject) => md5s.get(o.index) ?? md5s.set(o.index, md5File(objectPath(root, o))).get(o.index)!;
    const placeOf: Record<Tool, (o: BenchObject) => string> = {
      stacflow: (o) => path.join(dest, o.collection, o.id, o.key.split('/').at(-1)!),
      rclone: (o) => path.join(dest, ...o.key.split('/')),
      undici: (o) => path.join(dest, ...o.key.split('/')),
    };

    const results: ProtocolFigures[] = [];
    for (const protocol of protocols) {
      const endpoint = endpoints[protocol];
      const tls = protocol === 'https';
      const pipelineFile = path.join(tmp, `bench-download-${protocol}.yaml`);
      const report = path.join(tmp, `bench-download-${protocol}.report.json`);
      await writeFile(
        pipelineFile,
        benchPipelineYaml({ api: started.ready.url, collection: COLLECTION, items: objects.length, s3Endpoint: endpoint, dest, csv: path.join(tmp, 'bench-download.csv'), budget }),
      );
      const stacflow = stacflowCommand(PACKAGE_ROOT, pipelineFile, report, process.env.BENCH_DL_CPU_PROF || undefined);
      // Over HTTPS stacflow trusts the test certificate through AWS_CA_BUNDLE, as a proxy's CA would be given.
      const stacflowEnv: NodeJS.ProcessEnv = tls ? { ...process.env, AWS_CA_BUNDLE: TLS_CERT } : process.env;
      const rclone = await rcloneCommand({ endpoint, bucket, list, dest, dir: tmp, budget, caCert: tls ? TLS_CERT : undefined });
      const undiciArgs: UndiciArgs = {
        origin: endpoint, bucket, objects: objects.map((o) => ({ key: o.key, bytes: o.bytes })), dest, ...(tls ? { caFile: TLS_CERT } : {}),
        transfers: budget.maxRequests, partBytes: byteSize(budget.partSize), thresholdBytes: byteSize(budget.multipartThreshold), threads: undiciThreads,
      };
      const undici = { command: process.execPath, args: [...NODE_FLAGS, path.join(PACKAGE_ROOT, 'dist', 'bench', 'download-undici-process.js'), JSON.stringify(undiciArgs)] };

      const runTool = async (tool: Tool): Promise<ToolRun> => {
        await rm(dest, { recursive: true, force: true });
        await mkdir(dest, { recursive: true });
        spawnSync('sync'); // the previous run's dirty pages are not this run's to write back
        if (tool === 'stacflow') return runTimed(tool, stacflow.command, stacflow.args, { env: stacflowEnv, dir: tmp });
        if (tool === 'undici') return runTimed(tool, undici.command, undici.args, { env: process.env, dir: tmp });
        return runTimed(tool, rclone.command, rclone.args, { env: rclone.env, dir: tmp });
      };
      // Untimed: the first runs after the objects were written are slower for both tools (page cache, block
      // allocation); whichever went first would pay for it.
      for (let w = 0; w < warmups; w += 1) {
        for (const tool of tools) {
          await runTool(tool);
          process.stderr.write(`done: ${protocol} warm-up ${w + 1} ${tool}\n`);
        }
      }
      const figures: RunFigures[] = [];
      for (let round = 0; round < rounds; round += 1) {
        // Alternating which goes first, so none always runs right after another's writes.
        const order = round % 2 === 0 ? tools : [...tools].reverse();
        for (const tool of order) {
          const mark = await nginx.logMark();
          const run = await runTool(tool);
          const syncStarted = Date.now();
          spawnSync('sync');
          const syncS = (Date.now() - syncStarted) / 1000;
          const requests = (await nginx.requestsSince(mark)).filter((r) => r.uri.startsWith(`/${bucket}/`));
          if (requests.length === 0) throw new Error(`${tool} made no request to ${endpoint}`);
          const firstMs = Math.min(...requests.map((r) => r.startMs));
          const verified = await verifyDestination({ tool, objects, placeOf: placeOf[tool], dest, round, sourceMd5 });
          figures.push({
            tool,
            round,
            bytes: verified.bytes,
            windowS: (run.exitedMs - firstMs) / 1000,
            wallS: (run.exitedMs - run.startedMs) / 1000,
            startS: (firstMs - run.startedMs) / 1000,
            tailS: (run.exitedMs - Math.max(...requests.map((r) => r.endMs))) / 1000,
            syncS,
            peakRssMb: run.peakRssMb,
            cpuS: run.cpuS,
            requests: describeRequests(requests),
            stage: tool === 'stacflow' ? await stageFigures(report) : undefined,
          });
          process.stderr.write(`done: ${protocol} round ${round + 1} ${tool} (${verified.files} files, ${verified.hashed} hashed)\n`);
        }
      }
      process.stdout.write(formatReport({ protocol, objects, small, large, rounds, budget, workers, figures }));
      results.push({ protocol, figures });
    }
    process.stdout.write(formatSummary(results));
  } finally {
    process.off('SIGINT', onInterrupt);
    closeS3Clients();
    sandbox?.kill('SIGTERM');
    await nginx?.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The AWS SDK (the client stacflow uses) accepts the endpoint: HEAD, a ranged GET, NoSuchKey on a 404. */
async function checkEndpoint(endpoint: string, object: BenchObject): Promise<void> {
  const settings = { region: 'us-west-2', anonymous: true, endpoint };
  const href = `s3://${object.bucket}/${object.key}`;
  const head = await headObject(settings, href);
  if (head.size !== object.bytes || !head.etag || !head.lastModified) throw new Error(`nginx HEAD ${href}: ${JSON.stringify(head)}`);
  const range = await objectStream(settings, href, { range: { start: object.bytes - 10 } });
  range.body.resume();
  if (!range.partial || range.contentLength !== 10) throw new Error(`nginx ranged GET ${href}: ${range.contentLength} bytes, partial ${range.partial}`);
  const missing = await getObjectBytes(settings, `${href}.missing`).then(
    () => 'an answer',
    (err: { s3Code?: string }) => err.s3Code,
  );
  if (missing !== 'NoSuchKey') throw new Error(`nginx GET of a missing key: expected NoSuchKey, got ${missing}`);
}

function describeRequests(requests: LoggedRequest[]): string {
  const heads = requests.filter((r) => r.method === 'HEAD').length;
  const gets = requests.filter((r) => r.method === 'GET');
  const ranged = gets.filter((r) => r.range !== '').length;
  const failed = requests.filter((r) => r.status >= 400).length;
  return `${heads} HEAD, ${gets.length - ranged} GET, ${ranged} ranged${failed > 0 ? `, ${failed} failed` : ''}`;
}

async function stageFigures(reportFile: string): Promise<string> {
  const report = JSON.parse(await readFile(reportFile, 'utf8')) as { stages: Array<{ label: string; duration_s: number | null; counters: Record<string, number> }> };
  const stage = report.stages.find((s) => s.label.includes('download'));
  if (!stage) return '';
  const counters = Object.entries(stage.counters).map(([k, v]) => `${k} ${v}`);
  return `${stage.duration_s ?? '?'} s, ${counters.join(', ')}`;
}

type Protocol = 'https' | 'http';

/** `https,http` → the protocols in that order. */
function parseProtocols(text: string): Protocol[] {
  const names = text.split(',').map((name) => name.trim()).filter(Boolean);
  const bad = names.filter((name) => name !== 'https' && name !== 'http');
  if (names.length === 0 || bad.length > 0) throw new Error(`BENCH_DL_PROTOCOLS=${text}: expected https, http or both (comma-separated)`);
  return names as Protocol[];
}

/** `stacflow,rclone,undici` → the tools in that order; stacflow and rclone always (the ratio is theirs). */
function parseTools(text: string): Tool[] {
  const names = text.split(',').map((name) => name.trim()).filter(Boolean);
  const bad = names.filter((name) => !(TOOLS as readonly string[]).includes(name));
  if (bad.length > 0 || !names.includes('stacflow') || !names.includes('rclone')) {
    throw new Error(`BENCH_DL_TOOLS=${text}: expected stacflow and rclone, and optionally undici (comma-separated)`);
  }
  return names as Tool[];
}

/** `64MiB` → bytes, for the bare client's parts (the same sizes the pipeline gets). */
function byteSize(text: string): number {
  const bytes = parseByteSize(text);
  if (bytes === undefined) throw new Error(`not a byte size: ${text}`);
  return bytes;
}

/** A whole number ≥ `min` from the environment, or the default. */
function envCount(name: string, fallback: number, min = 1): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name}=${text}: expected a whole number >= ${min}`);
  return value;
}
