/**
 * Flow control for a pipeline: RxJS has no backpressure, so the source asks for a slot before it emits
 * an entry, and the engine gives the slot back when the entry leaves the pipeline (written by the outputs,
 * or dropped by a step). At most `highWater` entries are in flight, whatever the number of items that
 * match: memory stays flat, and a paged source fetches its next page only when the pipeline wants more.
 */
export class Demand {
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly highWater: number) {
    if (!Number.isInteger(highWater) || highWater < 1) throw new RangeError(`highWater must be a positive integer, got ${highWater}`);
  }

  /** Resolves when the entry about to be emitted may enter the pipeline. */
  acquire(): Promise<void> {
    if (this.inFlight < this.highWater) {
      this.inFlight += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiters.push(() => {
        this.inFlight += 1;
        resolve();
      });
    });
  }

  /**
   * Entries a step made from one it got (an operator that emits several): they exist already, so they are
   * counted in flight without waiting; the source waits longer instead.
   */
  admit(n = 1): void {
    this.inFlight += n;
  }

  /** An entry left the pipeline. */
  release(n = 1): void {
    this.inFlight = Math.max(0, this.inFlight - n);
    while (this.inFlight < this.highWater && this.waiters.length > 0) this.waiters.shift()!();
  }

  get pending(): number {
    return this.inFlight;
  }
}

/** A Demand that never waits: for sources used outside an engine run (tests, `stacflow` tools). */
export const unlimitedDemand = (): Demand => new Demand(Number.MAX_SAFE_INTEGER);
