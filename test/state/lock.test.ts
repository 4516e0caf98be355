import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { currentProcess, processState } from '../../src/state/process-identity.js';
import { openStateStore } from '../../src/state/store.js';
import { startStateChild, tempDir } from './state-fixture.js';

/** The run lock: held by a live process, taken over from a dead one (or a reused pid), never shared. */
let dir: string;
beforeAll(async () => {
  dir = await tempDir('lock');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test('a lock held by a live child is refused; once the child is killed it is taken over, and its run marked interrupted', async () => {
  const file = path.join(dir, 'state.sqlite');
  (await openStateStore(file)).close();
  const holder = startStateChild('hold', file);
  try {
    expect(JSON.parse(await holder.line(/^\{|^exited/))).toEqual({ acquired: true });
    const store = await openStateStore(file);
    const refused = store.acquireLock();
    expect(refused).toMatchObject({ acquired: false, holder: { pid: holder.pid, host: hostname(), state: 'alive' } });
    expect(store.lockHolder()?.start).toMatch(/^[0-9a-f-]+:\d+$/);
    expect(store.recentRuns(1)[0].status).toBe('running');

    await holder.kill();
    expect(store.lockHolder()?.state).toBe('dead');
    const taken = store.acquireLock();
    expect(taken).toMatchObject({ acquired: true, tookOverFrom: { pid: holder.pid, state: 'dead' } });
    expect(store.lockHolder()).toMatchObject({ pid: process.pid, state: 'alive' });
    expect(store.recentRuns(1)[0].status).toBe('interrupted');
    // Taking it again is a no-op for its holder.
    expect(store.acquireLock()).toEqual({ acquired: true });

    // A second live process is refused while this one holds it.
    const second = startStateChild('try', file);
    expect(JSON.parse(await second.line(/^\{|^exited/))).toMatchObject({ acquired: false, holder: { pid: process.pid, state: 'alive' } });
    expect((await second.exited).code).toBe(0);

    expect(store.releaseLock()).toBe(true);
    expect(store.lockHolder()).toBeUndefined();
    store.close();
  } finally {
    await holder.kill();
  }
}, 40_000);

test('close() releases the lock it holds', async () => {
  const file = path.join(dir, 'close.sqlite');
  const store = await openStateStore(file);
  expect(store.acquireLock()).toEqual({ acquired: true });
  store.close();
  const again = await openStateStore(file);
  expect(again.lockHolder()).toBeUndefined();
  again.close();
});

/** Writes a lock row as another process would have left it. */
function plantLock(file: string, holder: { pid: number; start: string | null; host: string; beatAt: string }): void {
  const db = new Database(file);
  db.prepare('INSERT OR REPLACE INTO run_lock VALUES (1, ?, ?, ?, ?, ?)').run(holder.pid, holder.start, holder.host, holder.beatAt, holder.beatAt);
  db.close();
}

test('a pid now used by another process (the start time differs) is a stale lock', async () => {
  const file = path.join(dir, 'reused.sqlite');
  const store = await openStateStore(file);
  const self = currentProcess();
  expect(processState(self)).toBe('alive');
  const reused = { pid: self.pid, start: `${self.start!.split(':')[0]}:1`, host: self.host };
  expect(processState(reused)).toBe('dead');
  plantLock(file, { ...reused, beatAt: new Date().toISOString() });
  expect(store.acquireLock()).toMatchObject({ acquired: true, tookOverFrom: { pid: self.pid, start: reused.start, state: 'dead' } });
  store.close();
});

test('a lock from another host is held while it beats, and stale once silent past lockStaleAfterMs', async () => {
  const file = path.join(dir, 'other-host.sqlite');
  const store = await openStateStore(file, { lockStaleAfterMs: 60_000 });
  plantLock(file, { pid: 1, start: null, host: 'pod-before-the-crash', beatAt: new Date(Date.now() - 30_000).toISOString() });
  expect(store.acquireLock()).toMatchObject({ acquired: false, holder: { host: 'pod-before-the-crash', state: 'unknown' } });
  plantLock(file, { pid: 1, start: null, host: 'pod-before-the-crash', beatAt: new Date(Date.now() - 90_000).toISOString() });
  expect(store.acquireLock()).toMatchObject({ acquired: true, tookOverFrom: { host: 'pod-before-the-crash' } });
  store.close();
});
