import path from 'node:path';
import Database from 'better-sqlite3';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runBin } from '../cli/run-bin.js';
import { tempDir } from '../catalog/catalog-run.js';
import { shardOfItem } from '../../src/shard/shard-spec.js';
import { csvRows, MONO, ndjsonIds, readReport, runPipelineBin, STEREO, writeShardPipeline } from './shard-runs.js';

/**
 * Issue 14 points 2 and 5: a shard with `state:` is SIGKILLed mid-run, as a pod is lost, and run again with its
 * index, as Kubernetes reruns a failed pod: it resumes from its own state (an item it recorded done is never
 * read again: no label, no image request for it), ends with the rows of a run never killed, and its state
 * knows only its own items (so --reconcile marks no other shard's items removed).
 */
const TAG = 'shard-0002-of-0004';
let sandbox: Sandbox;
beforeAll(async () => {
  // 20 ms a request, so that the kills land while the shard searches, reads labels and downloads.
  sandbox = await startSandbox({ seed: 15, collections: [{ id: MONO, items: 60 }, { id: STEREO, items: 40 }], latencyMs: 20, s3: { latencyMs: 20 } });
});
afterAll(async () => {
  await sandbox.close();
});

/** The item keys (`collection/id`) the state holds, by status, read as a reader does. */
function stateKeys(file: string): Map<string, string> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return new Map((db.prepare('SELECT key, status FROM items').all() as Array<{ key: string; status: string }>).map((r) => [r.key, r.status]));
  } finally {
    db.close();
  }
}

test('a shard killed mid-run resumes from its own state: nothing done is redone, same rows, only its items in its state', async () => {
  const reference = await tempDir('shard-reference');
  const first = await runPipelineBin(reference, [await writeShardPipeline(reference, sandbox, { state: true, limit: 10 }), '--shard', '2/4', '-q']);
  expect({ code: first.code, stderr: first.stderr.slice(-500) }).toMatchObject({ code: 0 });
  const expectedIds = await ndjsonIds(path.join(reference, 'out', `items.${TAG}.ndjson`));
  const expectedCsv = await csvRows(path.join(reference, 'out', `items.${TAG}.csv`));
  expect(expectedIds.length).toBeGreaterThan(10);

  const idOfKey = new Map<string, string>();
  for (const { id, collection } of sandbox.catalog.search({ collections: [MONO, STEREO] })) {
    for (const asset of ['caminfo_pvl', 'image'] as const) idOfKey.set(sandbox.s3!.key(id, asset), `${collection}/${id}`);
  }
  const dir = await tempDir('shard-rerun');
  const file = await writeShardPipeline(dir, sandbox, { state: true, limit: 10 });
  const stateFile = path.join(dir, '.stacflow', `sharded.${TAG}.sqlite`);
  const readAgain: string[] = [];
  let done = new Set<string>();
  let killed = 0;
  // Kills that wait for the run's own progress, whatever the machine's speed: each once the sandbox has served
  // this run half of the images still to fetch (mid-download; the state's records come in bursts, so its count
  // cannot time a kill), until two kills landed and the state holds done items (up to five runs).
  const images = new Set(sandbox.catalog.search({ collections: [MONO, STEREO] }).map(({ id }) => sandbox.s3!.key(id, 'image')));
  const imageGets = () => sandbox.s3!.requests.filter((r) => r.method === 'GET' && images.has(r.key ?? '')).length;
  for (let attempt = 0; attempt < 5 && (killed < 2 || done.size === 0); attempt += 1) {
    sandbox.s3!.clearRequests();
    const quota = Math.max(1, Math.floor((expectedIds.length - done.size) / 2));
    const ended = await runPipelineBin(dir, [file, '--shard', '2/4', '-q'], {}, () => imageGets() >= quota);
    if (ended.signal === 'SIGKILL') killed += 1;
    else expect({ code: ended.code, stderr: ended.stderr.slice(-500) }).toMatchObject({ code: 0 });
    for (const request of sandbox.s3!.requests) {
      const key = idOfKey.get(request.key ?? '');
      if (key !== undefined && done.has(key)) readAgain.push(`${attempt}: ${request.method} ${request.key}`);
    }
    done = new Set([...stateKeys(stateFile)].filter(([, status]) => status === 'done').map(([key]) => key));
  }
  expect(killed).toBeGreaterThanOrEqual(2);
  expect(done.size).toBeGreaterThan(0); // some work was done before the last kill, and must not be redone

  // The rerun of the pod: the same command, its index from the scheduler this time.
  sandbox.s3!.clearRequests();
  const last = await runPipelineBin(dir, [file, '--shards', '4', '-q'], { JOB_COMPLETION_INDEX: '2' });
  expect({ code: last.code, stderr: last.stderr.slice(-500) }).toMatchObject({ code: 0 });
  for (const request of sandbox.s3!.requests) {
    const key = idOfKey.get(request.key ?? '');
    if (key !== undefined && done.has(key)) readAgain.push(`last: ${request.method} ${request.key}`);
  }
  expect(readAgain).toEqual([]);
  expect(await ndjsonIds(path.join(dir, 'out', `items.${TAG}.ndjson`))).toEqual(expectedIds);
  expect(await csvRows(path.join(dir, 'out', `items.${TAG}.csv`))).toEqual(expectedCsv);
  const report = await readReport(path.join(dir, 'out', `sharded.${TAG}.report.json`));
  expect(report.shard).toMatchObject({ index: 2, count: 4, from: 'JOB_COMPLETION_INDEX', tag: TAG });
  expect(report.state?.location).toContain(`sharded.${TAG}.sqlite`);

  // The state knows this shard's items only, and a --reconcile run removes none of the others'.
  const reconciled = await runPipelineBin(dir, [file, '--shard', '2/4', '--reconcile', '-q']);
  expect({ code: reconciled.code, stderr: reconciled.stderr.slice(-500) }).toMatchObject({ code: 0 });
  const keys = stateKeys(stateFile);
  expect([...keys.keys()].filter((key) => shardOfItem(key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1), 4) !== 2)).toEqual([]);
  expect([...keys.values()].filter((status) => status === 'removed')).toEqual([]);
  expect(await ndjsonIds(path.join(dir, 'out', `items.${TAG}.ndjson`))).toEqual(expectedIds);

  // `stacflow status FILE --shard 2/4` reads that shard's state; another shard's has none yet.
  const status = await runBin('stacflow', ['status', file, '--shard', '2/4', '--json'], { cwd: dir });
  expect({ code: status.code, stderr: status.stderr }).toMatchObject({ code: 0 });
  expect(JSON.parse(status.stdout)).toMatchObject({ state: stateFile });
  const other = await runBin('stacflow', ['status', file, '--shard', '1/4'], { cwd: dir });
  expect(other.code).toBe(2);
  expect(other.stderr).toContain(`shard-0001-of-0004 state`);
  expect(other.stderr).toContain(`--shard 1/4`);
}, 55_000);
