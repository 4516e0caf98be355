import type { FileHandle } from 'node:fs/promises';

/**
 * The fdatasyncs of one `.part`, one at a time where it costs nothing. A sync holds one of libuv's 4 threads
 * until the disk has the data (sync-slots.ts): the parts' syncs (durable-parts.ts) and write-behind's
 * background syncs of the same file running side by side would hold two of them, with every write of the
 * download queued behind. Write-behind's sync only starts the disk early, so a sync already under way does
 * its job; the parts' sync must cover what was written before it was asked for, so it waits for the one
 * under way, then starts its own.
 */
export class FileSyncs {
  private inFlight?: Promise<void>;

  constructor(private readonly file: Pick<FileHandle, 'datasync'>) {}

  /** For WriteBehind: a sync unless one is under way (then nothing: that one is writing the bytes back already). */
  readonly background: Pick<FileHandle, 'datasync'> = {
    datasync: () => (this.inFlight ? Promise.resolve() : this.start()),
  };

  /** A sync that covers every byte written before this call; `slot` runs it (withSyncSlot). */
  async covering(slot: (sync: () => Promise<void>) => Promise<void>): Promise<void> {
    while (this.inFlight) await this.inFlight.catch(() => undefined);
    await slot(() => this.start());
  }

  private start(): Promise<void> {
    const sync = this.file.datasync();
    this.inFlight = sync;
    const clear = () => {
      if (this.inFlight === sync) this.inFlight = undefined;
    };
    sync.then(clear, clear);
    return sync;
  }
}
