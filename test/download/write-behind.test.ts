import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { SYNC_SLOTS } from '../../src/download/sync-slots.js';
import { WriteBehind } from '../../src/download/write-behind.js';
import { tempDir } from './fixture.js';

/** A file whose datasync calls are counted and finish only when the test says so. */
function heldFile() {
  const pending: Array<{ fail: boolean; finish: () => void }> = [];
  return {
    calls: () => pending.length,
    datasync: () =>
      new Promise<void>((resolve, reject) => {
        const call = { fail: false, finish: () => (call.fail ? reject(new Error('EIO')) : resolve()) };
        pending.push(call);
      }),
    finish: (i: number, fail = false) => {
      pending[i].fail = fail;
      pending[i].finish();
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WriteBehind', () => {
  it('syncs after every `every` bytes, never twice at once for a file; the bytes of a busy moment wait for the next call', async () => {
    const file = heldFile();
    const behind = new WriteBehind(file, 100);
    behind.wrote(60);
    expect(file.calls()).toBe(0);
    behind.wrote(40);
    expect(file.calls()).toBe(1);
    behind.wrote(500); // one in flight: no second
    expect(file.calls()).toBe(1);
    file.finish(0);
    await tick();
    behind.wrote(1); // the 501 bytes left over are due now
    expect(file.calls()).toBe(2);
    file.finish(1);
    await behind.settle();
  });

  it('holds at most SYNC_SLOTS syncs over all files, and a failed sync only frees its place', async () => {
    const files = Array.from({ length: SYNC_SLOTS + 1 }, heldFile);
    const behinds = files.map((f) => new WriteBehind(f, 10));
    for (const b of behinds) b.wrote(10);
    expect(files.map((f) => f.calls())).toEqual([...Array(SYNC_SLOTS).fill(1), 0]);
    files[0].finish(0, true);
    await tick();
    behinds.at(-1)!.wrote(0);
    expect(files.at(-1)!.calls()).toBe(1);
    for (let i = 1; i < files.length; i += 1) files[i].finish(0);
    await Promise.all(behinds.map((b) => b.settle()));
  });

  it('on a real file: settle() waits for the sync, and the bytes are all there', async () => {
    const dir = await tempDir('write-behind');
    const file = path.join(dir, 'x.part');
    const handle = await open(file, 'w');
    const behind = new WriteBehind(handle, 4096);
    const bytes = Buffer.alloc(64 * 1024, 7);
    for (let at = 0; at < bytes.length; at += 8192) {
      await handle.write(bytes, at, 8192, at);
      behind.wrote(8192);
    }
    await behind.settle();
    await handle.close();
    expect((await readFile(file)).equals(bytes)).toBe(true);
    await rm(dir, { recursive: true, force: true });
  });
});
