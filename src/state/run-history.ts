import type { Database, Statement } from 'better-sqlite3';
import { currentProcess } from './process-identity.js';
import type { KeptOutput, RunEnd, RunRecord, RunStart } from './types.js';

/** Statuses of a run that saw its source to the end: its cursor and fingerprint describe the state. */
const COMPLETE = `status IN ('done', 'done_with_failures')`;

/** The `runs` table: a row a run, begun and ended by the store, read by `stacflow status`. */
export class RunHistory {
  readonly #begin: Statement;
  readonly #end: Statement;
  readonly #lastOutputs: Statement;
  readonly #lastFingerprint: Statement;
  readonly #lastCursor: Statement;
  readonly #count: Statement;
  readonly #recent: Statement;

  constructor(db: Database) {
    this.#begin = db
      .prepare(
        `INSERT INTO runs (pipeline, started_at, status, cursor_before, full_refresh, reconcile, fingerprint, pid, host)
         VALUES (@pipeline, @startedAt, 'running', @cursorBefore, @fullRefresh, @reconcile, @fingerprint, @pid, @host) RETURNING id`,
      )
      .pluck();
    this.#end = db.prepare(
      `UPDATE runs SET ended_at = @endedAt, status = @status, exit_code = @exitCode, counts = @counts, cursor_after = @cursor,
         outputs = @outputs
       WHERE id = @id`,
    );
    this.#lastOutputs = db.prepare(`SELECT outputs FROM runs WHERE ${COMPLETE} ORDER BY id DESC LIMIT 1`).pluck();
    this.#lastFingerprint = db.prepare(`SELECT fingerprint FROM runs WHERE ${COMPLETE} ORDER BY id DESC LIMIT 1`).pluck();
    this.#lastCursor = db.prepare(`SELECT cursor_after FROM runs WHERE ${COMPLETE} AND cursor_after IS NOT NULL ORDER BY id DESC LIMIT 1`).pluck();
    this.#count = db.prepare('SELECT count(*) FROM runs').pluck();
    this.#recent = db.prepare(
      `SELECT id, pipeline, started_at AS startedAt, ended_at AS endedAt, status, exit_code AS exitCode, counts, records,
         failed_items AS failedItems, cursor_before AS cursorBefore, cursor_after AS cursorAfter, full_refresh AS fullRefresh,
         reconcile, fingerprint
       FROM runs ORDER BY id DESC LIMIT ?`,
    );
  }

  /** The fingerprint and cursor the last complete run left (each from the last complete run that has one), and how many runs there were. */
  last(): { fingerprint?: string; cursor?: string; runs: number } {
    const fingerprint = this.#lastFingerprint.get() as string | undefined;
    const cursor = this.#lastCursor.get() as string | undefined;
    return { ...(fingerprint !== undefined ? { fingerprint } : {}), ...(cursor !== undefined ? { cursor } : {}), runs: this.#count.get() as number };
  }

  begin(start: RunStart): number {
    const { pid, host } = currentProcess();
    return this.#begin.get({
      pipeline: start.pipeline ?? null,
      startedAt: start.startedAt,
      cursorBefore: this.last().cursor ?? null,
      fullRefresh: start.fullRefresh ? 1 : 0,
      reconcile: start.reconcile ? 1 : 0,
      fingerprint: start.fingerprint,
      pid,
      host,
    }) as number;
  }

  /** Ends run `id`; its cursor and outputs are kept only when the run completed (an aborted run did not see every item). */
  end(id: number, end: RunEnd): void {
    const complete = end.status !== 'aborted';
    const cursor = complete ? (end.cursor ?? null) : null;
    const outputs = complete && end.outputs !== undefined ? JSON.stringify(end.outputs) : null;
    this.#end.run({ id, endedAt: end.endedAt, status: end.status, exitCode: end.exitCode, counts: JSON.stringify(end.counts), cursor, outputs });
  }

  /** The snapshot outputs the last complete run left, by label. */
  lastOutputs(): Record<string, KeptOutput> {
    const json = this.#lastOutputs.get() as string | null | undefined;
    return json == null ? {} : (JSON.parse(json) as Record<string, KeptOutput>);
  }

  recent(limit: number): RunRecord[] {
    const rows = this.#recent.all(limit) as Array<Omit<RunRecord, 'counts' | 'fullRefresh' | 'reconcile'> & { counts: string | null; fullRefresh: number; reconcile: number }>;
    return rows.map((row) => ({
      ...row,
      counts: row.counts === null ? null : (JSON.parse(row.counts) as Record<string, number>),
      fullRefresh: row.fullRefresh === 1,
      reconcile: row.reconcile === 1,
    }));
  }
}
