/**
 * How many syncs (fsync, fdatasync) the downloads of a process run at once. A sync holds one of libuv's 4
 * threads until the disk has the data, and every other download's writes need those threads: with more syncs
 * at once, the writes stall behind them. Syncs beyond the slots wait (write-behind skips instead: sync-behind
 * is an optimisation, the fsync before a rename is not).
 */
export const SYNC_SLOTS = 2;

let used = 0;
const waiting: Array<() => void> = [];

/** A slot if one is free now (its release function), else undefined. */
export function tryTakeSyncSlot(): (() => void) | undefined {
  if (used >= SYNC_SLOTS) return undefined;
  used += 1;
  return releaser();
}

/** Runs `sync` in a slot, waiting for one. */
export async function withSyncSlot<T>(sync: () => Promise<T>): Promise<T> {
  const release = tryTakeSyncSlot() ?? (await new Promise<() => void>((resolve) => waiting.push(() => resolve(releaser()))));
  try {
    return await sync();
  } finally {
    release();
  }
}

function releaser(): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const next = waiting.shift();
    // Handed straight to the next in line (the slot stays used), or freed.
    if (next) next();
    else used -= 1;
  };
}
