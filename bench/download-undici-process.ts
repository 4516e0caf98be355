import { mkdirSync, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Agent, type Dispatcher } from 'undici';

/**
 * The floor of the download benchmark (`undici` in its table): the same objects copied by a bare undici client
 * with nothing of stacflow's engine — a GET per small object and per 16 MiB part of a large one, `transfers`
 * requests at a time, each body written as it comes with one `writev` per 256 KiB, at most two writes queued per
 * request (the socket is paused meanwhile), no HEAD, no sidecar, no fsync, no rename, no checks. What Node's TLS,
 * undici and libuv's file writes cost on this machine before any engine work: stacflow cannot go faster than
 * this on one thread, and rclone's ratio to it says how much of the gap is the platform.
 *
 * Run by bench/download.ts under GNU time as `node dist/bench/download-undici-process.js '<json>'` (UndiciArgs).
 * `threads` > 1 splits the requests over that many worker threads (each its own undici Agent and TLS work).
 */
export interface UndiciArgs {
  origin: string;
  bucket: string;
  objects: Array<{ key: string; bytes: number }>;
  dest: string;
  /** PEM of the endpoint's certificate (HTTPS). */
  caFile?: string;
  transfers: number;
  partBytes: number;
  thresholdBytes: number;
  threads: number;
}

interface Job {
  file: string;
  path: string;
  start: number;
  end: number;
  ranged: boolean;
}

const BATCH = 256 * 1024;

/** One GET into `handle` from byte `job.start`; resolves when every byte is written. */
function copy(agent: Agent, origin: string, job: Job, handle: FileHandle): Promise<void> {
  return new Promise((resolve, reject) => {
    let position = job.start;
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let writes = 0;
    let paused = false;
    let resume: (() => void) | undefined;
    let finished = false;
    let failed = false;
    const fail = (err: unknown) => {
      if (!failed) reject(err);
      failed = true;
    };
    const settle = () => {
      if (finished && writes === 0 && !failed) resolve();
    };
    const flush = () => {
      const chunks = batch;
      const at = position;
      position += batchBytes;
      batch = [];
      batchBytes = 0;
      writes += 1;
      handle.writev(chunks, at).then(() => {
        writes -= 1;
        if (paused && writes < 2) {
          paused = false;
          resume?.();
        }
        settle();
      }, fail);
    };
    const handler: Dispatcher.DispatchHandler = {
      onConnect() {},
      onHeaders(status: number, _headers: Buffer[], resumeSocket: () => void) {
        resume = resumeSocket;
        if (status !== (job.ranged ? 206 : 200)) fail(new Error(`GET ${job.path}: ${status}`));
        return true;
      },
      onData(chunk: Buffer) {
        batch.push(chunk);
        batchBytes += chunk.length;
        if (batchBytes >= BATCH) flush();
        paused = writes >= 2;
        return !paused;
      },
      onComplete() {
        if (batchBytes > 0) flush();
        finished = true;
        settle();
      },
      onError: fail,
    };
    agent.dispatch({ origin, path: job.path, method: 'GET', headers: job.ranged ? { range: `bytes=${job.start}-${job.end - 1}` } : {} }, handler);
  });
}

/** Runs `jobs`, `transfers` at a time, on this thread. */
async function runJobs(args: UndiciArgs, jobs: Job[], transfers: number): Promise<void> {
  const ca = args.caFile ? readFileSync(args.caFile, 'utf8') : undefined;
  const agent = new Agent({ connections: transfers, ...(ca ? { connect: { ca } } : {}) });
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const handle = await open(job.file, 'r+');
      try {
        await copy(agent, args.origin, job, handle);
      } finally {
        await handle.close();
      }
    }
  };
  await Promise.all(Array.from({ length: transfers }, lane));
  await agent.close();
}

/** Each small object one job, each large one a job per part; every file created at its size first. */
async function plan(args: UndiciArgs): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const object of args.objects) {
    const file = path.join(args.dest, ...object.key.split('/'));
    mkdirSync(path.dirname(file), { recursive: true });
    const handle = await open(file, 'w');
    await handle.truncate(object.bytes);
    await handle.close();
    const urlPath = `/${args.bucket}/${object.key}`;
    if (object.bytes < args.thresholdBytes) jobs.push({ file, path: urlPath, start: 0, end: object.bytes, ranged: false });
    else {
      for (let start = 0; start < object.bytes; start += args.partBytes) {
        jobs.push({ file, path: urlPath, start, end: Math.min(object.bytes, start + args.partBytes), ranged: true });
      }
    }
  }
  return jobs;
}

if (isMainThread) {
  const args = JSON.parse(process.argv[2]!) as UndiciArgs;
  const jobs = await plan(args);
  if (args.threads <= 1) await runJobs(args, jobs, args.transfers);
  else {
    const shares: Job[][] = Array.from({ length: args.threads }, () => []);
    jobs.forEach((job, i) => shares[i % args.threads]!.push(job));
    await Promise.all(
      shares.map(
        (share) =>
          new Promise<void>((resolve, reject) => {
            const worker = new Worker(new URL(import.meta.url), { workerData: { args, jobs: share, transfers: Math.ceil(args.transfers / args.threads) } });
            worker.once('message', () => resolve());
            worker.once('error', reject);
          }),
      ),
    );
  }
} else {
  const { args, jobs, transfers } = workerData as { args: UndiciArgs; jobs: Job[]; transfers: number };
  await runJobs(args, jobs, transfers);
  parentPort!.postMessage('done');
}
