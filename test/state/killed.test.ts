import { rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStateStore } from '../../src/state/store.js';
import { stateEntry, startStateChild, tempDir } from './state-fixture.js';

/**
 * kill -9 while recording: a real child process (state-child.ts) records ~8 KB entries in a loop, committing
 * every 20 and printing `committed <n>` after each commit; it is SIGKILLed at a random moment (between
 * commits or inside one), three times on the same file. After each kill the file opens, passes
 * `PRAGMA integrity_check`, and holds every record the child reported committed, whole.
 */
let dir: string;
beforeAll(async () => {
  dir = await tempDir('killed');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test('a state killed with SIGKILL while recording keeps every commit it reported, and is not corrupt', async () => {
  const file = path.join(dir, 'state.sqlite');
  let reported = 0;
  for (let kill = 0; kill < 3; kill += 1) {
    const child = startStateChild('record', file);
    // Let it commit a few times, then kill it somewhere in the next 0–40 ms.
    for (let commits = 0; commits < 3 + kill; commits += 1) {
      const line = await child.line(/^committed \d+$|^exited/);
      expect(line).toMatch(/^committed/);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
    await child.kill();
    const counts = child.lines.filter((l) => l.startsWith('committed ')).map((l) => Number(l.split(' ')[1]));
    expect(counts.length).toBeGreaterThanOrEqual(3 + kill);
    const committed = Math.max(...counts);
    expect(committed).toBeGreaterThan(reported);
    reported = committed;

    const check = new Database(file);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
    const store = await openStateStore(file);
    const memory = store.memory();
    // Every reported record is there. More may be: the writer thread commits on its own, and the child learns
    // of it at its next record; it is never more than two groups (of 20) ahead of what it reported
    // (src/state/writer-thread.ts), and what it had not committed is lost (worked again by the next run).
    expect(memory.size).toBeGreaterThanOrEqual(committed);
    expect(memory.size).toBeLessThanOrEqual(committed + 2 * 20 + 1);
    for (const i of [0, Math.floor(committed / 2), committed - 1]) {
      expect(memory.get(`c/n-${i}`)).toEqual({ version: 'v1', status: 'done', attempts: 0 });
      expect(store.storedEntry(`c/n-${i}`)).toEqual(stateEntry(i));
    }
    expect([...store.rest(new Set())].length).toBe(memory.size);
    // The killed child's run never ended.
    expect(store.recentRuns(1)[0]).toMatchObject({ status: 'running', endedAt: null });
    store.close();
  }
}, 60_000);
