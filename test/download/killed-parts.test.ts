import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readSidecar } from '../../src/download/sidecar.js';
import { KAGUYA_TC_COLLECTIONS, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { ROOT } from '../cli/run-bin.js';
import { filesUnder, tempDir } from './fixture.js';
import { startPartCountingFront, type PartCountingFront } from './part-counting-front.js';

/**
 * A multipart download killed with SIGKILL, in a real child process (parts-kill-child.ts), against the
 * sandbox S3 behind a front that counts the ranged GETs of each part and holds back the last part: every part
 * the server had sent whole is made durable by the child as soon as it finished, so the next run asks for the
 * held part only, and the file it renames into place is the object, byte for byte.
 */

const CHILD = path.join(ROOT, 'test', 'download', 'parts-kill-child.ts');
const PART = 256 * 1024;
const PARTS = 12;
/** Longest a child may run; the whole test stays well under jest's limit below. */
const CHILD_LIMIT_MS = 30_000;
/** How long the first child has to record the parts the server sent before it is killed all the same. */
const RECORD_LIMIT_MS = 5_000;

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the child (sources through tsx); it is killed past CHILD_LIMIT_MS. */
function startChild(args: string[]): { kill: () => void; exit: Promise<ChildExit> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const watchdog = setTimeout(() => child.kill('SIGKILL'), CHILD_LIMIT_MS);
  const exit = new Promise<ChildExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(watchdog);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { kill: () => child.kill('SIGKILL'), exit };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const exists = (file: string) => stat(file).then(() => true, () => false);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

let sandbox: Sandbox;
let front: PartCountingFront;
let work: string;
afterAll(async () => {
  await front?.close();
  await sandbox?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

test('a multipart download killed with SIGKILL resumes without asking again for any part the server had sent whole', async () => {
  sandbox = await startSandbox({ seed: 11, collections: [{ id: KAGUYA_TC_COLLECTIONS[0], items: 1 }], s3: { imageBytes: PARTS * PART, objects: 'none' } });
  const [{ collection, id }] = [...sandbox.catalog.entries()];
  front = await startPartCountingFront(sandbox.s3Endpoint, sandbox.s3!.key(id, 'image'), PART);
  work = await tempDir('killed-parts');
  const itemFile = path.join(work, 'item.json');
  await writeFile(itemFile, JSON.stringify(sandbox.catalog.item(collection, id)));
  const data = path.join(work, 'data');
  await mkdir(data);
  const final = path.join(data, `${id}.tif`);
  const args = [itemFile, data, front.endpoint, String(PART)];
  const last = PARTS - 1;
  const finished = range(last);

  // First run: every part but the last is sent whole; the last gets no answer. Killed once the parts are sent
  // (seen by the server) and recorded (the child's sidecar lists them), or RECORD_LIMIT_MS after they were sent.
  front.holdBack.add(last);
  const first = startChild(args);
  const ended = first.exit.then((exit) => {
    throw new Error(`the first child ended before it was killed: ${JSON.stringify(exit)}`);
  });
  await Promise.race([front.whenSent(finished), ended]);
  const sentAt = Date.now();
  let recorded: number[] = [];
  while (Date.now() - sentAt < RECORD_LIMIT_MS) {
    recorded = (await readSidecar(final))?.parts_done ?? [];
    if (finished.every((p) => recorded.includes(p))) break;
    await sleep(10);
  }
  const recordedAfterMs = Date.now() - sentAt;
  first.kill();
  const killed = await first.exit;
  process.stderr.write(`killed-parts: ${finished.length} parts sent, recorded by the child ${recordedAfterMs} ms later\n`);
  expect(killed.signal).toBe('SIGKILL');
  expect(recorded).toEqual(finished);
  // Sooner than the old checkpoint every 2 s (when a part finished): a finished part is recorded at once.
  expect(recordedAfterMs).toBeLessThan(2000);
  expect(front.requested.get(last)).toBe(1);
  // Nothing under the final name: the parts are in the `.part`.
  expect(await exists(final)).toBe(false);
  expect(await filesUnder(data)).toEqual(expect.arrayContaining([`.${id}.tif.stacflow.json`, `${id}.tif.part`]));

  // Second run: nothing held back.
  front.holdBack.clear();
  const second = await startChild(args).exit;
  expect(second).toMatchObject({ code: 0, signal: null });
  const { file, failures } = JSON.parse(second.stdout) as { file: { status: string; bytes: number; resumed_from?: number }; failures: unknown[] };
  expect(failures).toEqual([]);
  expect(file).toMatchObject({ status: 'downloaded', bytes: PARTS * PART, resumed_from: finished.length * PART });

  // Server side: each part sent whole in the first run was never asked for again; the held one, once more.
  expect(Object.fromEntries(front.requested)).toEqual(Object.fromEntries(range(PARTS).map((p) => [p, p === last ? 2 : 1])));
  expect(Object.fromEntries(front.sent)).toEqual(Object.fromEntries(range(PARTS).map((p) => [p, 1])));
  // Digests: jest compares 3 MiB buffers byte by byte, in seconds.
  expect(sha256(await readFile(final))).toBe(sha256(sandbox.s3!.image(id)));
  expect(await filesUnder(data)).toEqual([`.${id}.tif.stacflow.json`, `${id}.tif`]);
  expect(await readSidecar(final)).toMatchObject({ state: 'complete', size: PARTS * PART });
}, 60_000);
