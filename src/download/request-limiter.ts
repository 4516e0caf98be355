/**
 * The global cap on parallel requests of one download step (`max_requests`): HEADs, whole GETs and ranged
 * parts each hold a slot from their request until their body is read. FIFO, so a big object's parts do not
 * starve the others; nobody waits for a slot while holding one, so it cannot deadlock. (The downloads' sync
 * slots, sync-slots.ts, are one too.)
 */
export class RequestLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** Most slots held at once (tests and the report check the cap). */
  peak = 0;

  constructor(readonly max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`max_requests must be a whole number >= 1, got ${max}`);
  }

  get inFlight(): number {
    return this.active;
  }

  /** Waits for a slot; the returned function gives it back (call it once). Rejects if `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    const free = this.tryAcquire();
    if (free) return free;
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      const abort = () => {
        const at = this.waiting.indexOf(grant);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.waiting.push(grant);
    });
    // The slot was handed over by release(): already counted.
    return this.releaser();
  }

  /** A slot if one is free now and nobody waits (its release function), else undefined. */
  tryAcquire(): (() => void) | undefined {
    if (this.active >= this.max || this.waiting.length > 0) return undefined;
    this.active += 1;
    this.peak = Math.max(this.peak, this.active);
    return this.releaser();
  }

  /** Runs `work` holding a slot. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await work();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next in line, so no newcomer can take it in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    };
  }
}
