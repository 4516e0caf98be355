import type { Database } from 'better-sqlite3';
import { VERSION } from '../version.js';
import { newerStateError, notStateError, StateError, stateIoError } from './errors.js';
import { APPLICATION_ID, MIGRATIONS, VERSIONS_TABLE_SQL, type Migration } from './schema.js';

const sqliteCode = (err: unknown): string | undefined => (err as { code?: unknown } | null)?.code as string | undefined;

/**
 * The schema version of the database at `file`: 0 for an empty database (new, or a 0-byte file), else the
 * highest version its `schema_versions` lists. Throws StateError for anything that is not a stacflow state:
 * not SQLite at all, or SQLite of another application (another application_id, or tables of its own).
 */
export function schemaVersionOf(db: Database, file: string): number {
  let applicationId: number;
  try {
    applicationId = db.pragma('application_id', { simple: true }) as number;
  } catch (err) {
    if (sqliteCode(err) === 'SQLITE_NOTADB') throw notStateError(file, 'not an SQLite database', err);
    throw stateIoError(file, 'read its header', err);
  }
  if (applicationId === 0) {
    const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name LIMIT 4`).pluck().all() as string[];
    if (tables.length === 0) return 0;
    throw notStateError(file, `an SQLite database with tables of its own: ${tables.join(', ')}`);
  }
  if (applicationId !== APPLICATION_ID) {
    throw notStateError(file, `an SQLite database of another application: application_id 0x${(applicationId >>> 0).toString(16)}`);
  }
  try {
    const version = db.prepare('SELECT max(version) FROM schema_versions').pluck().get() as number | null;
    if (version === null) throw new Error('schema_versions is empty');
    return version;
  } catch (err) {
    throw notStateError(file, `marked as one, but its schema_versions table is unreadable: ${(err as Error).message}`, err);
  }
}

/**
 * Brings the database at `file` to the last version of `migrations`, each missing migration in the one
 * IMMEDIATE transaction that records it (two processes opening a new file: the second finds it done).
 * Returns the version the file has now. Refuses a file newer than this stacflow knows.
 */
export function migrate(db: Database, file: string, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations[migrations.length - 1].version;
  // Read first, without a write lock: opening an up-to-date state never waits for a run that is writing.
  const found = schemaVersionOf(db, file);
  if (found > latest) throw newerStateError(file, found, latest);
  if (found === latest) return latest;
  const apply = db.transaction(() => {
    const current = schemaVersionOf(db, file);
    if (current > latest) throw newerStateError(file, current, latest);
    const missing = migrations.filter((m) => m.version > current);
    if (missing.length === 0) return current;
    db.exec(VERSIONS_TABLE_SQL);
    const recordVersion = db.prepare('INSERT INTO schema_versions (version, applied_at, stacflow_version) VALUES (?, ?, ?)');
    for (const migration of missing) {
      db.exec(migration.sql);
      recordVersion.run(migration.version, new Date().toISOString(), VERSION);
    }
    db.pragma(`application_id = ${APPLICATION_ID}`);
    return latest;
  });
  try {
    return apply.immediate();
  } catch (err) {
    if (err instanceof StateError) throw err;
    throw stateIoError(file, 'bring its schema up to date', err);
  }
}
