import { RequestLimiter } from './request-limiter.js';

/**
 * How many syncs (fsync, fdatasync) the downloads of a process run at once. A sync holds one of libuv's 4
 * threads until the disk has the data, and every other download's writes need those threads: with more syncs
 * at once, the writes stall behind them. Syncs beyond the slots wait (write-behind skips instead: syncing
 * early is an optimisation, the fsync before a rename is not).
 */
export const SYNC_SLOTS = 2;

const slots = new RequestLimiter(SYNC_SLOTS);

/** A slot if one is free now (its release function), else undefined. */
export const tryTakeSyncSlot = (): (() => void) | undefined => slots.tryAcquire();

/** Runs `sync` in a slot, waiting for one. */
export const withSyncSlot = <T>(sync: () => Promise<T>): Promise<T> => slots.run(sync);
