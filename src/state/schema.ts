/**
 * The state file's format: an SQLite database marked with APPLICATION_ID (so a stacflow state is told from
 * any other SQLite file) whose `schema_versions` table lists the migrations applied. A migration is applied
 * once, in order, inside the transaction that records it; a file whose highest version is above
 * SCHEMA_VERSION was written by a newer stacflow and is refused, never downgraded.
 *
 * Version 1 (see README.md, "Tables", for what each column means):
 * - `runs`: one row a run, with its outcome, counts, the cursor it started from and the one it left.
 * - `items`: one small row an item (the ledger read whole at run start), keyed by `key` (`collection/id`).
 * - `entries`: the entry each item had when last recorded, by `item_no`: kept apart so reading the ledger
 *   never reads the ~8 KB entries, and a snapshot output streams them in key order.
 * - `assets`: the files an item's entry listed (path, size, ETag, checksum), by `item_no` and asset key.
 * - `run_lock`: at most one row, the process running the pipeline (see run-lock.ts).
 *
 * Version 2: `items.stages`, how far the item got through each step when last recorded (JSON, by step label).
 * Version 3: `runs.outputs`, the snapshot outputs a complete run left (JSON by label: path, rows, size, mtime,
 * options hash), so a run that changes nothing keeps them as they are.
 */
export const APPLICATION_ID = 0x53544346; // "STCF"

export interface Migration {
  readonly version: number;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE runs (
        id            INTEGER PRIMARY KEY,
        pipeline      TEXT,
        started_at    TEXT NOT NULL,
        ended_at      TEXT,
        status        TEXT NOT NULL CHECK (status IN ('running', 'done', 'done_with_failures', 'aborted', 'interrupted')),
        exit_code     INTEGER,
        counts        TEXT,
        records       INTEGER NOT NULL DEFAULT 0,
        failed_items  INTEGER NOT NULL DEFAULT 0,
        cursor_before TEXT,
        cursor_after  TEXT,
        full_refresh  INTEGER NOT NULL CHECK (full_refresh IN (0, 1)),
        reconcile     INTEGER NOT NULL CHECK (reconcile IN (0, 1)),
        fingerprint   TEXT NOT NULL,
        pid           INTEGER NOT NULL,
        host          TEXT NOT NULL
      ) STRICT;

      CREATE TABLE items (
        item_no    INTEGER PRIMARY KEY,
        key        TEXT NOT NULL UNIQUE,
        collection TEXT NOT NULL,
        id         TEXT NOT NULL,
        version    TEXT NOT NULL,
        status     TEXT NOT NULL CHECK (status IN ('done', 'failed', 'dropped', 'given_up', 'removed')),
        attempts   INTEGER NOT NULL,
        first_run  INTEGER NOT NULL,
        last_run   INTEGER NOT NULL,
        failures   TEXT
      ) STRICT;
      CREATE INDEX items_needing_attention ON items (status) WHERE status IN ('failed', 'given_up');

      CREATE TABLE entries (
        item_no INTEGER PRIMARY KEY,
        entry   TEXT NOT NULL
      ) STRICT;

      CREATE TABLE assets (
        item_no  INTEGER NOT NULL,
        asset    TEXT NOT NULL,
        path     TEXT NOT NULL,
        bytes    INTEGER,
        etag     TEXT,
        checksum TEXT,
        status   TEXT NOT NULL,
        href     TEXT,
        PRIMARY KEY (item_no, asset)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE run_lock (
        one         INTEGER PRIMARY KEY CHECK (one = 1),
        pid         INTEGER NOT NULL,
        start       TEXT,
        host        TEXT NOT NULL,
        acquired_at TEXT NOT NULL,
        beat_at     TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    sql: `ALTER TABLE items ADD COLUMN stages TEXT;`,
  },
  {
    version: 3,
    sql: `ALTER TABLE runs ADD COLUMN outputs TEXT;`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Created with the first migration, outside the list: it records the list's progress. */
export const VERSIONS_TABLE_SQL = `
  CREATE TABLE IF NOT EXISTS schema_versions (
    version          INTEGER PRIMARY KEY,
    applied_at       TEXT NOT NULL,
    stacflow_version TEXT NOT NULL
  ) STRICT;
`;
