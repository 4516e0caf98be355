/**
 * Sleeps a sandbox server waits in (latency, scripted delays) that its `close()` can cut short: a server that
 * stops never leaves a request waiting on a timer.
 */
export interface WakeableSleeps {
  sleep(ms: number): Promise<void>;
  /** Ends every sleep now. */
  wakeAll(): void;
}

export function wakeableSleeps(): WakeableSleeps {
  const sleeping = new Set<() => void>();
  return {
    sleep: (ms) => new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleeping.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleeping.add(done);
    }),
    wakeAll: () => {
      for (const wake of [...sleeping]) wake();
    },
  };
}
