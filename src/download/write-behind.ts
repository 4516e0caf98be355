import type { FileHandle } from 'node:fs/promises';

/** Bytes written between background syncs of one file. */
export const WRITE_BEHIND_BYTES = 8 * 1024 * 1024;

/** Background syncs at once in the process: each holds one of libuv's 4 threads, and the writes need the others. */
export const MAX_SYNCS_IN_FLIGHT = 2;
let inFlightTotal = 0;

/**
 * Starts the disk writing a download's bytes while the download goes on: after every `every` bytes written,
 * one fdatasync runs in the background (never two at once per file). Without it Linux keeps the bytes in the
 * page cache until 10% of memory is dirty, and the fsync before the rename (local-files.ts) then waits for the
 * whole file at once, with the network idle. Its errors are left to that final fsync, which reports them.
 */
export class WriteBehind {
  private unsynced = 0;
  private inFlight?: Promise<void>;

  constructor(private readonly file: Pick<FileHandle, 'datasync'>, private readonly every: number) {}

  /** `bytes` more were written. */
  wrote(bytes: number): void {
    this.unsynced += bytes;
    // Busy: the bytes wait for a later call (the final fsync catches what is left).
    if (this.unsynced < this.every || this.inFlight || inFlightTotal >= MAX_SYNCS_IN_FLIGHT) return;
    this.unsynced = 0;
    inFlightTotal += 1;
    const done = () => {
      inFlightTotal -= 1;
      this.inFlight = undefined;
    };
    this.inFlight = this.file.datasync().then(done, done);
  }

  /** Waits for the sync in flight, if any (before the file is closed). */
  async settle(): Promise<void> {
    await this.inFlight;
  }
}
