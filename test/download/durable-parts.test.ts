import { DurableParts } from '../../src/download/durable-parts.js';

/**
 * The order DurableParts keeps between a download's syncs and its sidecar writes, with a sync and a record
 * that finish when the test says: what each covers, and that they never overlap. (killed-parts.test.ts runs it
 * for real, killed with SIGKILL.)
 */

/** A sync and a record that each wait for the test to finish them, logging what ran and what overlapped. */
function steps() {
  const log: string[] = [];
  const pending: Array<() => void> = [];
  let busy = 0;
  const step = (name: string, fail?: Error) => {
    if (busy > 0) log.push(`overlap: ${name}`);
    busy += 1;
    log.push(name);
    return new Promise<void>((resolve, reject) => pending.push(() => {
      busy -= 1;
      if (fail) reject(fail);
      else resolve();
    }));
  };
  /** Finishes the oldest step still running, then lets the promise callbacks run. */
  const finishNext = async () => {
    pending.shift()?.();
    for (let i = 0; i < 5; i += 1) await Promise.resolve();
  };
  return { log, step, finishNext, running: () => pending.length };
}

test('parts that finish during a sync are covered together by the next sync and record, never before their sync', async () => {
  const { log, step, finishNext } = steps();
  const failures: unknown[] = [];
  const parts = new DurableParts(() => step('sync'), (indexes) => step(`record ${indexes.join(',')}`), (err) => failures.push(err));
  parts.finished(3);
  parts.finished(0);
  parts.finished(5);
  expect(log).toEqual(['sync']);
  await finishNext(); // the sync covering 3: parts 0 and 5 finished after it began
  expect(log).toEqual(['sync', 'record 3']);
  parts.finished(1);
  await finishNext(); // the record of 3
  expect(log).toEqual(['sync', 'record 3', 'sync']);
  await finishNext();
  await finishNext();
  expect(log).toEqual(['sync', 'record 3', 'sync', 'record 0,5,1']);
  await parts.settle();
  expect(failures).toEqual([]);
});

test('settle waits for every part handed over, through the syncs and records queued meanwhile', async () => {
  const { log, step, finishNext, running } = steps();
  const parts = new DurableParts(() => step('sync'), (indexes) => step(`record ${indexes.join(',')}`), () => undefined);
  parts.finished(0);
  parts.finished(1);
  let settled = false;
  const settling = parts.settle().then(() => (settled = true));
  while (running() > 0) {
    expect(settled).toBe(false);
    await finishNext();
  }
  await settling;
  expect(log).toEqual(['sync', 'record 0', 'sync', 'record 1']);
});

test('a failed sync records nothing and is told once; settle throws it; later parts are not synced', async () => {
  const diskFull = new Error('ENOSPC');
  const { log, step, finishNext } = steps();
  const failures: unknown[] = [];
  const parts = new DurableParts(() => step('sync', diskFull), (indexes) => step(`record ${indexes.join(',')}`), (err) => failures.push(err));
  parts.finished(0);
  parts.finished(1);
  await finishNext();
  parts.finished(2);
  await expect(parts.settle()).rejects.toBe(diskFull);
  expect(failures).toEqual([diskFull]);
  expect(log).toEqual(['sync']);
});

test('a sync that fails at once (a rejected promise, no wait) still ends: settle throws it', async () => {
  const gone = new Error('EBADF');
  const failures: unknown[] = [];
  const parts = new DurableParts(() => Promise.reject(gone), () => Promise.resolve(), (err) => failures.push(err));
  parts.finished(0);
  await expect(parts.settle()).rejects.toBe(gone);
  expect(failures).toEqual([gone]);
});
