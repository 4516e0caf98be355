import type { Entry } from '../../src/entry.js';
import type { ItemMemory, ItemOutcome, KeptOutput, RunStateStore, StageStatuses, StateRunEnd, StateRunStart } from '../../src/engine/run-state.js';

/**
 * The engine's state contract (src/engine/run-state.ts) kept in memory: what the engine's tests run against,
 * and the meaning the SQLite store (src/state) must have. Entries are kept as JSON, as a file would keep them.
 */
export class MemoryState implements RunStateStore {
  readonly location = 'memory';
  readonly items = new Map<string, ItemMemory & { entry: string; lastRun: number; stages?: string }>();
  readonly runs: Array<StateRunStart & Partial<StateRunEnd> & { id: number }> = [];
  records = 0;

  constructor(readonly maxAttempts = 3) {}

  last() {
    const complete = this.runs.filter((r) => r.status !== undefined && r.status !== 'aborted');
    const cursorRun = [...complete].reverse().find((r) => r.cursor !== undefined);
    // The fingerprint of the last complete run: an aborted run under a changed pipeline must not make the items
    // done under the old one look current.
    return { fingerprint: complete.at(-1)?.fingerprint, cursor: cursorRun?.cursor, runs: this.runs.length };
  }

  lastOutputs(): Readonly<Record<string, KeptOutput>> {
    const complete = this.runs.filter((r) => r.status !== undefined && r.status !== 'aborted');
    return complete.at(-1)?.outputs ?? {};
  }

  beginRun(start: StateRunStart): number {
    const id = this.runs.length + 1;
    this.runs.push({ ...start, id });
    return id;
  }

  memory(): ReadonlyMap<string, ItemMemory> {
    return new Map([...this.items].map(([key, { version, status, attempts }]) => [key, { version, status, attempts }]));
  }

  storedEntry(key: string): Entry | undefined {
    const kept = this.items.get(key);
    return kept ? (JSON.parse(kept.entry) as Entry) : undefined;
  }

  storedStages(key: string): StageStatuses | undefined {
    const stages = this.items.get(key)?.stages;
    return stages === undefined ? undefined : (JSON.parse(stages) as StageStatuses);
  }

  recordedSinceComplete(): ReadonlySet<string> {
    const lastComplete = this.runs.filter((r) => r.status === 'done' || r.status === 'done_with_failures').at(-1)?.id ?? 0;
    return new Set([...this.items].filter(([, kept]) => kept.lastRun > lastComplete).map(([key]) => key));
  }

  record(runId: number, key: string, version: string, entry: Entry, outcome: ItemOutcome, stages?: StageStatuses): ItemMemory['status'] {
    this.records += 1;
    const before = this.items.get(key);
    const attempts = outcome === 'failed' ? (before?.status === 'failed' && before.version === version ? before.attempts : 0) + 1 : 0;
    const status = outcome === 'failed' && attempts >= this.maxAttempts ? 'given_up' : outcome;
    this.items.set(key, { version, status, attempts, entry: JSON.stringify(entry), lastRun: runId, ...(stages ? { stages: JSON.stringify(stages) } : {}) });
    return status;
  }

  *rest(seen: ReadonlySet<string>): Iterable<Entry> {
    for (const [key, kept] of [...this.items].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (seen.has(key) || (kept.status !== 'done' && kept.status !== 'given_up')) continue;
      yield JSON.parse(kept.entry) as Entry;
    }
  }

  markRemoved(runId: number, keys: readonly string[]): void {
    for (const key of keys) {
      const kept = this.items.get(key);
      if (kept) this.items.set(key, { ...kept, status: 'removed', lastRun: runId });
    }
  }

  endRun(runId: number, end: StateRunEnd): void {
    const { outputs, cursor, ...rest } = end;
    // As the file keeps them: the cursor and the outputs of a complete run only.
    Object.assign(this.runs[runId - 1], rest, end.status === 'aborted' ? {} : { ...(cursor !== undefined ? { cursor } : {}), ...(outputs !== undefined ? { outputs } : {}) });
  }

  flush(): void {}
  close(): void {}
}
