import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '../../src/state/migrate.js';
import { openDatabase, PAGE_SIZE } from '../../src/state/open-database.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from '../../src/state/schema.js';
import { openStateStore } from '../../src/state/store.js';
import { stateEntry, tempDir } from './state-fixture.js';

/** The state file's format: marked, versioned, migrated once, and anything else refused with the file named. */
let dir: string;
beforeAll(async () => {
  dir = await tempDir('schema');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const raw = (file: string) => new Database(file);

test('a new state is marked as stacflow, at the current schema version, in WAL mode with synchronous NORMAL', async () => {
  const file = path.join(dir, 'new', 'deeper', 'state.sqlite');
  const store = await openStateStore(file);
  store.close();
  const db = raw(file);
  expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(db.prepare('SELECT version FROM schema_versions ORDER BY version').pluck().all()).toEqual(MIGRATIONS.map((m) => m.version));
  expect(SCHEMA_VERSION).toBe(3);
  db.close();
});

test('the store sets synchronous = NORMAL and a busy timeout on its connection (both are per connection)', async () => {
  const file = path.join(dir, 'pragmas.sqlite');
  const db = openDatabase(file, { busyTimeoutMs: 1234, readOnly: false });
  expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
  expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
  db.close();
});

test('a new state has 8 KB pages; a state made with 4 KB pages (before) keeps them and its items', async () => {
  const fresh = path.join(dir, 'pages-new.sqlite');
  (await openStateStore(fresh)).close();
  expect(PAGE_SIZE).toBe(8192);
  const check = raw(fresh);
  expect(check.pragma('page_size', { simple: true })).toBe(8192);
  check.close();

  const old = path.join(dir, 'pages-old.sqlite');
  const db = raw(old);
  db.pragma('page_size = 4096');
  db.pragma('journal_mode = WAL');
  migrate(db, old);
  db.close();
  const store = await openStateStore(old);
  const run = store.beginRun({ startedAt: '2026-12-03T03:00:00Z', fingerprint: 'f', fullRefresh: false, reconcile: false });
  const entry = stateEntry(1); // ~8 KB: over two 4 KB pages
  store.record(run, 'c/a', 'v1', entry, 'done');
  store.close();
  const again = await openStateStore(old);
  expect(again.storedEntry('c/a')).toEqual(entry);
  again.close();
  const after = raw(old);
  expect(after.pragma('page_size', { simple: true })).toBe(4096);
  after.close();
});

test('a later migration is applied once, in order, and recorded; reopening applies nothing again', async () => {
  const file = path.join(dir, 'migrate.sqlite');
  (await openStateStore(file)).close();
  const next = SCHEMA_VERSION + 1;
  const later = [...MIGRATIONS, { version: next, sql: 'CREATE TABLE extra (x INTEGER) STRICT; INSERT INTO extra VALUES (7);' }];
  const db = raw(file);
  expect(migrate(db, file, later)).toBe(next);
  expect(migrate(db, file, later)).toBe(next);
  expect(db.prepare('SELECT x FROM extra').pluck().all()).toEqual([7]);
  expect(db.prepare('SELECT version FROM schema_versions ORDER BY version').pluck().all()).toEqual([...MIGRATIONS.map((m) => m.version), next]);
  db.close();
});

test('a version 1 state (before per-step statuses) opens migrated to the current version, its items kept, their stages unknown', async () => {
  const file = path.join(dir, 'version-1.sqlite');
  const db = raw(file);
  migrate(db, file, MIGRATIONS.slice(0, 1));
  db.prepare(`INSERT INTO runs (started_at, status, full_refresh, reconcile, fingerprint, pid, host) VALUES ('2026-12-01T00:00:00Z', 'done', 0, 0, 'f', 1, 'h')`).run();
  db.prepare(`INSERT INTO items (key, collection, id, version, status, attempts, first_run, last_run) VALUES ('c/a', 'c', 'a', 'v1', 'failed', 1, 1, 1)`).run();
  db.close();
  const store = await openStateStore(file);
  expect([...store.memory()]).toEqual([['c/a', { version: 'v1', status: 'failed', attempts: 1 }]]);
  expect(store.storedStages('c/a')).toBeUndefined();
  store.close();
  const after = raw(file);
  expect(after.prepare('SELECT version FROM schema_versions ORDER BY version').pluck().all()).toEqual([1, 2, 3]);
  after.close();
});

test('a migration that fails leaves the file at its version (the transaction rolls back)', async () => {
  const file = path.join(dir, 'failed-migration.sqlite');
  (await openStateStore(file)).close();
  const broken = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, sql: 'CREATE TABLE half (x INTEGER); CREATE TABLE half (y INTEGER);' }];
  const db = raw(file);
  expect(() => migrate(db, file, broken)).toThrow(expect.objectContaining({ code: 'ERR_STATE_IO', message: expect.stringContaining(file) }));
  expect(db.prepare(`SELECT count(*) FROM sqlite_schema WHERE name = 'half'`).pluck().get()).toBe(0);
  expect(db.prepare('SELECT max(version) FROM schema_versions').pluck().get()).toBe(SCHEMA_VERSION);
  db.close();
});

test('a state from a newer stacflow is refused, with the file and both versions named', async () => {
  const file = path.join(dir, 'newer.sqlite');
  (await openStateStore(file)).close();
  const db = raw(file);
  db.prepare(`INSERT INTO schema_versions VALUES (9, '2030-01-01T00:00:00Z', '9.0.0')`).run();
  db.close();
  const refused = openStateStore(file);
  await expect(refused).rejects.toMatchObject({ code: 'ERR_STATE_TOO_NEW', errorClass: 'fatal' });
  await expect(refused).rejects.toThrow(`state ${file}: was written by a newer stacflow (schema version 9; this one reads up to ${SCHEMA_VERSION})`);
});

test('a file that is not SQLite is refused, named, and left as it was', async () => {
  const file = path.join(dir, 'notes.txt');
  const text = 'these are my notes, not a database\n'.repeat(40);
  await writeFile(file, text);
  const refused = openStateStore(file);
  await expect(refused).rejects.toMatchObject({ code: 'ERR_STATE_NOT_STATE', errorClass: 'fatal', file });
  await expect(refused).rejects.toThrow(`state ${file}: is not a stacflow state (not an SQLite database)`);
  expect(await readFile(file, 'utf8')).toBe(text);
});

test('an SQLite database of something else is refused and not switched to WAL', async () => {
  const file = path.join(dir, 'other.sqlite');
  const db = raw(file);
  db.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY)');
  db.close();
  const before = await readFile(file);
  await expect(openStateStore(file)).rejects.toThrow(`state ${file}: is not a stacflow state (an SQLite database with tables of its own: photos)`);
  expect(await readFile(file)).toEqual(before);
  const other = raw(file);
  other.pragma('application_id = 1234');
  other.close();
  await expect(openStateStore(file)).rejects.toThrow('an SQLite database of another application: application_id 0x4d2');
});

test('an empty file (touched by hand, or created and killed before the first write) becomes a new state', async () => {
  const file = path.join(dir, 'empty.sqlite');
  await writeFile(file, '');
  const store = await openStateStore(file);
  expect(store.last()).toEqual({ runs: 0 });
  store.close();
});

test('opened read-only (for status), a state answers and refuses writes; a missing one is an error', async () => {
  const file = path.join(dir, 'read-only.sqlite');
  (await openStateStore(file)).close();
  const store = await openStateStore(file, { readOnly: true });
  expect(store.recentRuns()).toEqual([]);
  expect(() => store.acquireLock()).toThrow(expect.objectContaining({ code: 'ERR_STATE_READ_ONLY' }));
  store.close();
  await expect(openStateStore(path.join(dir, 'missing.sqlite'), { readOnly: true })).rejects.toMatchObject({ code: 'ERR_STATE_IO' });
});
