import type { Database, Statement } from 'better-sqlite3';
import type { RecordMessage } from './write-messages.js';

/**
 * Commits item records in groups, one IMMEDIATE transaction each, on the writer thread's own connection
 * (write-worker.ts): the item's row, its entry (the item stringified here, off the run's thread), its files,
 * and the run's counts.
 */
export class ItemWriter {
  readonly #commit: (records: readonly RecordMessage[]) => void;
  readonly #upsertItem: Statement;
  readonly #upsertEntry: Statement;
  readonly #deleteAssets: Statement;
  readonly #insertAsset: Statement;
  readonly #countRun: Statement;

  constructor(db: Database) {
    this.#upsertItem = db.prepare(`
      INSERT INTO items (key, collection, id, version, status, attempts, first_run, last_run, failures, stages)
      VALUES (@key, @collection, @id, @version, @status, @attempts, @runId, @runId, @failures, @stages)
      ON CONFLICT (key) DO UPDATE SET collection = excluded.collection, id = excluded.id, version = excluded.version,
        status = excluded.status, attempts = excluded.attempts, last_run = excluded.last_run, failures = excluded.failures,
        stages = excluded.stages
      RETURNING item_no`).pluck();
    this.#upsertEntry = db.prepare('INSERT INTO entries (item_no, entry) VALUES (?, ?) ON CONFLICT (item_no) DO UPDATE SET entry = excluded.entry');
    this.#deleteAssets = db.prepare('DELETE FROM assets WHERE item_no = ?');
    this.#insertAsset = db.prepare('INSERT INTO assets (item_no, asset, path, bytes, etag, checksum, status, href) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.#countRun = db.prepare('UPDATE runs SET records = records + ?, failed_items = failed_items + ? WHERE id = ?');
    this.#commit = db.transaction((records: readonly RecordMessage[]) => {
      const perRun = new Map<number, { records: number; failed: number }>();
      for (const record of records) {
        this.#write(record);
        const counts = perRun.get(record.runId) ?? { records: 0, failed: 0 };
        counts.records += 1;
        if (record.status === 'failed' || record.status === 'given_up') counts.failed += 1;
        perRun.set(record.runId, counts);
      }
      for (const [runId, counts] of perRun) this.#countRun.run(counts.records, counts.failed, runId);
    }).immediate;
  }

  /** Commits `records` in one transaction, in their order (a later record of an item replaces an earlier one). */
  commit(records: readonly RecordMessage[]): void {
    this.#commit(records);
  }

  #write(record: RecordMessage): void {
    const itemNo = this.#upsertItem.get(record) as number;
    this.#upsertEntry.run(itemNo, entryJson(record));
    this.#deleteAssets.run(itemNo);
    for (const file of record.files) this.#insertAsset.run(itemNo, ...file);
  }
}

/** The entry as JSON: the item's text (or the item stringified here), the rest as the run's thread stringified it. */
function entryJson({ item, rest }: RecordMessage): string {
  const itemJson = typeof item === 'string' ? item : JSON.stringify(item);
  return rest === '{}' ? `{"item":${itemJson}}` : `{"item":${itemJson},${rest.slice(1)}`;
}
