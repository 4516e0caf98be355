import { SYNC_SLOTS, tryTakeSyncSlot, withSyncSlot } from '../../src/download/sync-slots.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('sync slots', () => {
  it('gives at most SYNC_SLOTS at once; a sync that must run waits for one, in order, and a release is counted once', async () => {
    const taken = Array.from({ length: SYNC_SLOTS }, () => tryTakeSyncSlot());
    expect(taken.every((release) => typeof release === 'function')).toBe(true);
    expect(tryTakeSyncSlot()).toBeUndefined();

    const ran: string[] = [];
    const first = withSyncSlot(async () => ran.push('first'));
    const second = withSyncSlot(async () => ran.push('second'));
    await tick();
    expect(ran).toEqual([]);

    taken[0]!();
    taken[0]!(); // twice: still one slot back
    await first;
    await second;
    expect(ran).toEqual(['first', 'second']);
    // One slot is still held by taken[1]: exactly SYNC_SLOTS - 1 are free.
    const free = Array.from({ length: SYNC_SLOTS }, () => tryTakeSyncSlot());
    expect(free.filter(Boolean)).toHaveLength(SYNC_SLOTS - 1);
    for (const release of [...free, taken[1]]) release?.();
  });

  it('frees the slot when the sync fails', async () => {
    await expect(withSyncSlot(async () => Promise.reject(new Error('EIO')))).rejects.toThrow('EIO');
    const all = Array.from({ length: SYNC_SLOTS }, () => tryTakeSyncSlot());
    expect(all.every(Boolean)).toBe(true);
    for (const release of all) release?.();
  });
});
