import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { ROOT } from '../cli/run-bin.js';
import { readLines, tempDir } from '../catalog/catalog-run.js';

/**
 * Crash safety (issue 12 point 4): run-pipeline with a state, SIGKILLed at random moments (while it searches,
 * reads labels, downloads, writes its catalogs) 20 times, then run to the end. Then: the state is a sound
 * SQLite file; nothing under a final name is half-written (every image equals the served bytes, every catalog
 * parses); the catalog holds every item a kill-free run keeps; the `append` catalogs of the runs that ended
 * hold each of them exactly once (those a killed run did were published by the next one); and an item once
 * recorded done is never read again (no label GET, no HEAD, no image GET for it in any later attempt).
 */
const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
const KILLS = 20;
let sandbox: Sandbox;
beforeAll(async () => {
  // 20 ms a request, so that the kills land in every phase of a ~1 s run.
  sandbox = await startSandbox({ seed: 7, collections: [{ id: MONO, items: 80 }], latencyMs: 20, s3: { latencyMs: 20 } });
});
afterAll(async () => {
  await sandbox.close();
});

async function writePipeline(dir: string): Promise<string> {
  const file = path.join(dir, 'p.yaml');
  await writeFile(
    file,
    [
      'name: killed',
      `state: ${path.join(dir, 'state.sqlite')}`,
      `s3: { region: us-west-2, anonymous: true, endpoint: "${sandbox.s3Endpoint}" }`,
      `source: { stac_search: { api: "${sandbox.url}", collections: [${MONO}], limit: 10 } }`,
      'steps:',
      '  - fetch_label: { asset: caminfo_pvl, as: caminfo, concurrency: 8 }',
      '  - select: { incidence_angle: caminfo.Caminfo.Geometry.IncidenceAngle }',
      '  - filter: "incidence_angle < 80"',
      `  - download: { assets: [image], to: "${path.join(dir, 'data')}/{id}/", concurrency: 4 }`,
      'outputs:',
      `  - ndjson: { path: "${path.join(dir, 'out', 'all.ndjson')}" }`,
      `  - csv: { path: "${path.join(dir, 'out', 'all.csv')}" }`,
      `  - ndjson: { path: "${path.join(dir, 'out', 'new.ndjson')}", mode: append }`,
      '',
    ].join('\n'),
  );
  return file;
}

/** One run of the built bin, SIGKILLed after `killAfterMs` (undefined: to the end); resolves to its exit. */
function run(file: string, killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run-pipeline.js'), file, '-q'], { cwd: path.dirname(file), env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** The keys the state holds as done, read as a reader does (the WAL included). */
function doneKeys(stateFile: string): Set<string> {
  const db = new Database(stateFile, { readonly: true, fileMustExist: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return new Set((db.prepare(`SELECT key FROM items WHERE status = 'done'`).all() as Array<{ key: string }>).map((r) => r.key));
  } finally {
    db.close();
  }
}

test(`killed ${KILLS} times at random moments, then run to the end: nothing lost, nothing half-written, nothing done read twice`, async () => {
  const reference = await tempDir('kill-reference');
  expect((await run(await writePipeline(reference))).code).toBe(0);
  const expected = (await readLines(path.join(reference, 'out', 'all.ndjson'))).map((l) => (JSON.parse(l) as { id: string }).id).sort();
  expect(expected.length).toBeGreaterThan(10);

  const idOfKey = new Map<string, string>();
  for (const { id } of sandbox.catalog.search({ collections: [MONO] })) for (const asset of ['caminfo_pvl', 'image'] as const) idOfKey.set(sandbox.s3!.key(id, asset), id);
  const dir = await tempDir('kill-nine');
  const file = await writePipeline(dir);
  const stateFile = path.join(dir, 'state.sqlite');
  let random = 12345; // seeded, so a failure can be replayed
  const next = () => ((random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const readAgain: string[] = [];
  let done = new Set<string>();
  let killed = 0;
  // The append catalog of each run that ended: what it added.
  const appended: string[] = [];
  const readAppended = async () => appended.push(...(await readLines(path.join(dir, 'out', 'new.ndjson'))).map((l) => (JSON.parse(l) as { id: string }).id));
  for (let attempt = 0; attempt < KILLS; attempt += 1) {
    sandbox.s3!.clearRequests();
    const ended = await run(file, 150 + Math.floor(next() * 1500));
    if (ended.signal === 'SIGKILL') killed += 1;
    else {
      expect({ code: ended.code, stderr: ended.stderr.slice(-500) }).toMatchObject({ code: 0 });
      await readAppended();
    }
    // Nothing recorded done before this attempt was asked for again in it.
    for (const request of sandbox.s3!.requests) {
      const id = idOfKey.get(request.key ?? '');
      if (id !== undefined && done.has(`${MONO}/${id}`)) readAgain.push(`${attempt}: ${request.method} ${request.key}`);
    }
    try {
      done = doneKeys(stateFile);
    } catch (err) {
      if (!/SQLITE_CANTOPEN|unable to open|no such table/i.test(String(err))) throw err; // killed before the state was made
    }
  }
  expect(killed).toBeGreaterThan(KILLS / 2);
  sandbox.s3!.clearRequests();
  const last = await run(file);
  expect({ code: last.code, stderr: last.stderr.slice(-500) }).toMatchObject({ code: 0 });
  await readAppended();
  for (const request of sandbox.s3!.requests) {
    const id = idOfKey.get(request.key ?? '');
    if (id !== undefined && done.has(`${MONO}/${id}`)) readAgain.push(`last: ${request.method} ${request.key}`);
  }
  expect(readAgain).toEqual([]);

  const ids = (await readLines(path.join(dir, 'out', 'all.ndjson'))).map((l) => (JSON.parse(l) as { id: string }).id).sort();
  expect(ids).toEqual(expected);
  expect((await readLines(path.join(dir, 'out', 'all.csv'))).length).toBe(expected.length + 1);
  expect(appended.sort()).toEqual(expected);
  // Every image under its final name is whole: the bytes the sandbox serves.
  for (const id of expected) {
    const folder = path.join(dir, 'data', id);
    const files = (await readdir(folder)).filter((f) => !f.startsWith('.') && !f.endsWith('.part') && !f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const served = sandbox.s3!.image(id);
    expect(createHash('sha256').update(await readFile(path.join(folder, files[0]))).digest('hex')).toBe(createHash('sha256').update(served).digest('hex'));
  }
  expect(doneKeys(stateFile).size).toBe(expected.length);
}, 240_000);
