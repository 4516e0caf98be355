/**
 * Makes each finished part of a ranged download durable as soon as it finishes: its bytes synced, then the
 * part recorded (the sidecar rewritten), so a run killed at any moment (kill -9 included) resumes every part
 * that had finished, not just those of the last checkpoint. Never a sync and a record per part: while one
 * sync + record runs, the parts that finish meanwhile wait, and the next sync + record covers all of them
 * at once. One record at a time, in order, and never of a part whose bytes the sync before it did not cover
 * (a part is handed over only once all its writes have returned). The downloads do not wait for it.
 */
export class DurableParts {
  /** Parts written, waiting for the next sync. */
  private waiting: number[] = [];
  private running?: Promise<void>;
  private failure?: { error: unknown };

  /**
   * @param sync makes every byte written so far durable (an fdatasync of the `.part`).
   * @param record persists that these parts are done (called once their bytes are synced, one call at a time).
   * @param onFailure told once when a sync or record fails; nothing is recorded after that.
   */
  constructor(
    private readonly sync: () => Promise<void>,
    private readonly record: (indexes: number[]) => Promise<void>,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** Part `index` is written (every write of it returned): sync and record it soon, with the parts finishing meanwhile. */
  finished(index: number): void {
    if (this.failure) return;
    this.waiting.push(index);
    this.next();
  }

  /** Waits until every part handed over so far is recorded; throws the failure of a sync or record, if any. */
  async settle(): Promise<void> {
    while (this.running) await this.running;
    if (this.failure) throw this.failure.error;
  }

  /** Starts a sync + record of every waiting part, unless one is running (it starts the next when it ends). */
  private next(): void {
    if (this.running || this.failure || this.waiting.length === 0) return;
    const batch = this.waiting;
    this.waiting = [];
    // `then` runs after `running` is set, also when the sync fails at once.
    this.running = this.syncAndRecord(batch).then(
      () => {
        this.running = undefined;
        this.next();
      },
      (error: unknown) => {
        this.running = undefined;
        this.failure = { error };
        this.waiting = [];
        this.onFailure(error);
      },
    );
  }

  private async syncAndRecord(batch: number[]): Promise<void> {
    await this.sync();
    await this.record(batch);
  }
}
