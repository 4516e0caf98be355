import type { Database, Statement } from 'better-sqlite3';
import { currentProcess, processState, sameProcess, type ProcessIdentity } from './process-identity.js';

/** Who holds the run lock, and whether that process still runs (see processState). */
export interface LockHolder extends ProcessIdentity {
  readonly acquiredAt: string;
  /** When the holder last said it is alive (at least every LOCK_BEAT_MS while it holds the lock). */
  readonly beatAt: string;
  readonly state: 'alive' | 'dead' | 'unknown';
}

export type LockResult =
  | { readonly acquired: true; readonly tookOverFrom?: LockHolder }
  | { readonly acquired: false; readonly holder: LockHolder };

/** How often a holder renews `beat_at`. */
export const LOCK_BEAT_MS = 60_000;
/** A lock from another host (whose pid cannot be checked) silent this long is stale: a pod that died with kill -9. */
export const DEFAULT_STALE_AFTER_MS = 10 * 60_000;

/**
 * One run of a pipeline at a time, and never held by a dead process: a row (pid, start, host) in `run_lock`,
 * taken in an IMMEDIATE transaction (so two processes cannot both find it free). A lock whose process is gone,
 * or whose pid now names a later process (the start differs), is stale and taken over; so is a lock from
 * another host silent for `staleAfterMs` (a container's new hostname after a crash). Taking the lock marks
 * the runs still `running` as `interrupted`: their process no longer runs.
 */
export class RunLock {
  readonly #read: Statement;
  readonly #take: () => LockResult;
  readonly #release: Statement;
  readonly #beat: Statement;
  #beatTimer: NodeJS.Timeout | undefined;

  constructor(
    db: Database,
    private readonly staleAfterMs = DEFAULT_STALE_AFTER_MS,
  ) {
    this.#read = db.prepare('SELECT pid, start, host, acquired_at AS acquiredAt, beat_at AS beatAt FROM run_lock WHERE one = 1');
    const write = db.prepare(
      `INSERT INTO run_lock (one, pid, start, host, acquired_at, beat_at) VALUES (1, @pid, @start, @host, @now, @now)
       ON CONFLICT (one) DO UPDATE SET pid = excluded.pid, start = excluded.start, host = excluded.host,
         acquired_at = excluded.acquired_at, beat_at = excluded.beat_at`,
    );
    const interrupt = db.prepare(`UPDATE runs SET status = 'interrupted' WHERE status = 'running'`);
    this.#release = db.prepare('DELETE FROM run_lock WHERE one = 1 AND pid = @pid AND host = @host AND start IS @start');
    this.#beat = db.prepare('UPDATE run_lock SET beat_at = ? WHERE one = 1 AND pid = ? AND host = ?');
    this.#take = db.transaction((): LockResult => {
      const holder = this.holder();
      const self = currentProcess();
      if (holder && sameProcess(holder, self)) return { acquired: true };
      if (holder && !this.#isStale(holder)) return { acquired: false, holder };
      write.run({ ...self, now: new Date().toISOString() });
      interrupt.run();
      return holder ? { acquired: true, tookOverFrom: holder } : { acquired: true };
    }).immediate;
  }

  holder(): LockHolder | undefined {
    const row = this.#read.get() as Omit<LockHolder, 'state'> | undefined;
    return row && { ...row, state: processState(row) };
  }

  acquire(): LockResult {
    const result = this.#take();
    if (result.acquired) this.#startBeating();
    return result;
  }

  /** Releases the lock if this process holds it; true when it did. */
  release(): boolean {
    clearInterval(this.#beatTimer);
    this.#beatTimer = undefined;
    return this.#release.run(currentProcess()).changes > 0;
  }

  #isStale(holder: LockHolder): boolean {
    if (holder.state === 'dead') return true;
    return holder.state === 'unknown' && Date.now() - Date.parse(holder.beatAt) > this.staleAfterMs;
  }

  #startBeating(): void {
    if (this.#beatTimer) return;
    const self = currentProcess();
    this.#beatTimer = setInterval(() => {
      try {
        this.#beat.run(new Date().toISOString(), self.pid, self.host);
      } catch {
        // Busy or closed: the next beat tries again; a lock is stale only after many missed beats.
      }
    }, LOCK_BEAT_MS).unref();
  }
}
