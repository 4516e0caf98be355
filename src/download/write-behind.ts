import type { FileHandle } from 'node:fs/promises';
import { tryTakeSyncSlot } from './sync-slots.js';

/** Bytes written between background syncs of one file. */
export const WRITE_BEHIND_BYTES = 8 * 1024 * 1024;

/**
 * Starts the disk writing a download's bytes while the download goes on: after every `every` bytes written,
 * one fdatasync runs in the background (never two at once per file). Without it Linux keeps the bytes in the
 * page cache until 10% of memory is dirty, and the fsync before the rename (local-files.ts) then waits for the
 * whole file at once, with the network idle. Its errors are left to that final fsync, which reports them. It
 * only takes a free sync slot (sync-slots.ts): when none is, the bytes wait for a later call.
 */
export class WriteBehind {
  private unsynced = 0;
  private inFlight?: Promise<void>;

  constructor(private readonly file: Pick<FileHandle, 'datasync'>, private readonly every: number) {}

  /** `bytes` more were written. */
  wrote(bytes: number): void {
    this.unsynced += bytes;
    if (this.unsynced < this.every || this.inFlight) return;
    const release = tryTakeSyncSlot();
    if (!release) return;
    this.unsynced = 0;
    const done = () => {
      release();
      this.inFlight = undefined;
    };
    this.inFlight = this.file.datasync().then(done, done);
  }

  /** Waits for the sync in flight, if any (before the file is closed). */
  async settle(): Promise<void> {
    await this.inFlight;
  }
}
