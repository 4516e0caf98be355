import Database from 'better-sqlite3';
import { StateError, stateIoError } from './errors.js';
import { migrate, schemaVersionOf } from './migrate.js';
import { SCHEMA_VERSION } from './schema.js';

/** Pages of a new state file: an ~8 KB entry spans 2 pages instead of 3 of 4 KB (see openDatabase). */
export const PAGE_SIZE = 8192;

export interface DatabaseOptions {
  /** How long a statement waits for another connection's write lock before it fails (SQLITE_BUSY). */
  readonly busyTimeoutMs: number;
  /** For `stacflow status`: no write, no migration, the file must exist. */
  readonly readOnly: boolean;
}

/**
 * Opens the state database at `file` (an absolute path prepareStatePath checked): tells a stacflow state
 * from anything else before changing a byte, then sets it up:
 * - `journal_mode = WAL`: a commit appends to the `-wal` file, so readers (`stacflow status`) never block the
 *   run, and a process killed mid-write leaves the last committed state (the partial WAL frames are ignored).
 * - `synchronous = NORMAL`: the WAL is not fsynced at each commit, only at checkpoints. A commit is in the OS
 *   once it returns, so it survives kill -9 (the process dies, the kernel keeps its writes); a power loss or
 *   OS crash may lose the last commits, never corrupt the file. Those items are worked again next run.
 * - checkpoints: SQLite's own (a commit that brings the WAL past 1,000 pages copies it into the database), so
 *   made by the writer thread's commits (writer-thread.ts), off the run's thread. A thread of their own
 *   besides was measured (bench/state.ts, 50,000 records of 6.8 KB): commits of 256 took a median 8 ms
 *   instead of 18, but their p99 rose from ~38 ms to ~130 ms; not worth it.
 * - `page_size = 8192` for a new file: an entry is ~8–9 KB of JSON; in 4 KB pages it spans 3 (a local part and
 *   an overflow chain), in 8 KB pages 1–2. bench/state.ts, 20,000 entries of 7.9 KB: recording 0.10–0.11 CPU ms
 *   a record instead of 0.13–0.16, commits of 256 a median 8 ms instead of 21–24; with the incremental bench's
 *   8.7 KB entries replayed, ~7% less SQLite CPU. A file made with other pages keeps them (WAL fixes the size).
 * - `busy_timeout`: waits for another connection's write instead of failing at once.
 * - the schema brought up to date (migrate.ts).
 */
export function openDatabase(file: string, options: DatabaseOptions): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: options.readOnly, fileMustExist: options.readOnly });
  } catch (err) {
    throw stateIoError(file, 'open it', err);
  }
  try {
    db.pragma(`busy_timeout = ${Math.round(options.busyTimeoutMs)}`);
    const version = schemaVersionOf(db, file);
    if (options.readOnly) {
      if (version === 0) throw new StateError('ERR_STATE_EMPTY', file, 'holds no state yet: run the pipeline once');
      if (version !== SCHEMA_VERSION) migrate(db, file); // only to throw the newer-version error, or the read-only one
      return db;
    }
    // Only a new, empty file takes it (before WAL: a WAL file keeps the size it was made with).
    db.pragma(`page_size = ${PAGE_SIZE}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db, file);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StateError) throw err;
    throw stateIoError(file, 'set it up', err);
  }
}

/**
 * A second connection to a state `openDatabase` already set up (WAL, schema): the writer thread's
 * (write-worker.ts). `synchronous` is per connection, so it is set again; the rest is the file's.
 */
export function openWriterConnection(file: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${Math.round(busyTimeoutMs)}`);
    db.pragma('synchronous = NORMAL');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
