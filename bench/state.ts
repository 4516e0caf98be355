import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Entry } from '../src/entry.js';
import { openStateStore } from '../src/state/store.js';

/**
 * The incremental state store (src/state, issue 12): BENCH_STATE_ITEMS (100,000) entries of ~8 KB JSON,
 * Kaguya-like, recorded as a run records them (grouped commits), then the ledger loaded as a run starts
 * (memory()), then the snapshot read back (rest()). Prints records/s, CPU ms per record, and two references
 * measured in the same run on the same entries: JSON.stringify alone (the cost no store avoids), and a bare
 * prepared INSERT of the same JSON into a one-table database with the same commits (SQLite's floor).
 * Goal (issue 12 point 7): state writes add < 5% to a first run; the ledger of 100,000 items loads in well
 * under a second.
 */
const ITEMS = Number(process.env.BENCH_STATE_ITEMS ?? 100_000);

/** An entry shaped as a Kaguya TC one after fetch_label, select and download: ~8 KB of JSON. */
function entryOf(n: number): Entry {
  const id = `TC1S2B0_01_${String(n).padStart(5, '0')}S${(n % 90).toString().padStart(3, '0')}E0040`;
  const ring = Array.from({ length: 48 }, (_, i) => [4 + Math.sin(i / 7.6 + n) * 0.123456789, 5 + Math.cos(i / 7.6 + n) * 0.987654321]);
  const caminfo = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`Key${i}`, { value: n * 0.001 + i, units: 'deg' }]));
  const hrefBase = `https://asc-pds-services.s3.us-west-2.amazonaws.com/kaguya/tc/${id}`;
  return {
    item: {
      type: 'Feature', stac_version: '1.0.0', id, collection: 'kaguya_terrain_camera_monoscopic_uncontrolled_observations',
      bbox: [3.8, 4.1, 4.3, 6.2], geometry: { type: 'Polygon', coordinates: [ring] },
      properties: {
        datetime: '2008-11-18T07:34:40Z', updated: '2024-02-01T00:00:00Z', gsd: 7.4, 'proj:epsg': null, 'view:sun_azimuth': 120.5 + (n % 10),
        'proj:wkt2': 'GEOGCRS["Moon 2000",DATUM["D_Moon_2000",ELLIPSOID["Moon_2000_IAU_IAG",1737400,0,LENGTHUNIT["metre",1]]],PRIMEM["Greenwich",0,ANGLEUNIT["Decimal_Degree",0.0174532925199433]],CS[ellipsoidal,2],AXIS["longitude",east,ORDER[1],ANGLEUNIT["Decimal_Degree",0.0174532925199433]],AXIS["latitude",north,ORDER[2],ANGLEUNIT["Decimal_Degree",0.0174532925199433]]]',
        'proj:shape': [4096, 4096], start_datetime: '2008-11-18T07:34:40Z', end_datetime: '2008-11-18T07:35:12Z',
      },
      assets: Object.fromEntries(['image', 'caminfo_pvl', 'thumbnail', 'footprint', 'isis_label'].map((key) => [key, { href: `${hrefBase}.${key}`, type: 'application/octet-stream', roles: ['data'] }])),
      links: [{ rel: 'self', href: `https://stac.astrogeology.usgs.gov/api/collections/kaguya/items/${id}` }],
    },
    fields: { caminfo, incidence_angle: 42 + (n % 30), emission_angle: 3.2, phase_angle: 45.1, start: '2008-11-18T07:34:40Z' },
    files: { image: { path: `data/kaguya/${id}/${id}.tif`, bytes: 16_777_216, etag: '"9b2cf535f27731c974343645a3985328"', status: 'downloaded', href: `${hrefBase}.tif` } },
    failures: [],
  };
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const fixed = (n: number, digits = 1): string => n.toFixed(digits);

export async function benchState(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'stacflow-bench-state-'));
  try {
    // Made as they are used, as a run makes them: 100,000 held at once would be ~2 GB of heap.
    const entries = { length: ITEMS, *[Symbol.iterator]() { for (let n = 0; n < ITEMS; n += 1) yield entryOf(n); } };
    const keyOf = (e: Entry) => `${e.item.collection}/${e.item.id}`;

    // Making the entries is counted in every figure below alike: this is that cost, to take away.
    let cpu = process.cpuUsage();
    for (const e of entries) keyOf(e);
    const makeMs = cpuMs(cpu);
    cpu = process.cpuUsage();
    let bytes = 0;
    for (const e of entries) bytes += JSON.stringify(e).length;
    const stringifyMs = cpuMs(cpu) - makeMs;

    // SQLite's floor: the same JSON, one prepared INSERT a record, commits of 256, WAL and synchronous=NORMAL.
    const bare = new Database(path.join(dir, 'bare.sqlite'));
    bare.pragma('journal_mode = WAL');
    bare.pragma('synchronous = NORMAL');
    bare.exec('CREATE TABLE t (key TEXT PRIMARY KEY, entry TEXT NOT NULL)');
    const insert = bare.prepare('INSERT INTO t VALUES (?, ?)');
    const commit = bare.transaction((batch: Entry[]) => batch.forEach((e) => insert.run(keyOf(e), JSON.stringify(e))));
    cpu = process.cpuUsage();
    let batch: Entry[] = [];
    for (const e of entries) {
      batch.push(e);
      if (batch.length === 256) commit.immediate(batch.splice(0));
    }
    if (batch.length > 0) commit.immediate(batch);
    const bareMs = cpuMs(cpu) - makeMs;
    bare.close();

    const file = path.join(dir, 'state.sqlite');
    const store = await openStateStore(file, { write: { records: Infinity, ms: 60_000 } });
    const run = store.beginRun({ startedAt: new Date().toISOString(), fingerprint: 'bench', fullRefresh: false, reconcile: false });
    cpu = process.cpuUsage();
    let wall = performance.now();
    // Commits as the default policy makes them (every 256 records), each flush timed: the writer thread commits
    // (src/state/writer-thread.ts) while this thread waits. p99 and the longest. CPU is the process's: both
    // threads, and the items go as clones (these entries have no search page's bytes).
    const commits: number[] = [];
    let i = 0;
    for (const e of entries) {
      store.record(run, keyOf(e), 'v1', e, 'done');
      i += 1;
      if (i % 256 === 0 || i === entries.length) {
        const t = performance.now();
        store.flush();
        commits.push(performance.now() - t);
      }
    }
    commits.sort((a, b) => a - b);
    const recordMs = cpuMs(cpu) - makeMs;
    const recordWall = performance.now() - wall;
    store.endRun(run, { endedAt: new Date().toISOString(), status: 'done', exitCode: 0, counts: {} });
    const fileMb = (statSync(file).size + statSync(`${file}-wal`, { throwIfNoEntry: false })?.size!) / 2 ** 20;
    store.close();

    // A new run opening the state: the ledger, then the snapshot read back.
    const reopened = await openStateStore(file);
    cpu = process.cpuUsage();
    wall = performance.now();
    const memory = reopened.memory();
    const loadWall = performance.now() - wall;
    const loadMs = cpuMs(cpu);
    cpu = process.cpuUsage();
    let restCount = 0;
    for (const _ of reopened.rest(new Set())) restCount += 1;
    const restMs = cpuMs(cpu);
    cpu = process.cpuUsage();
    let skipped = 0;
    for (const _ of reopened.rest(new Set(memory.keys()))) skipped += 1;
    const restSeenMs = cpuMs(cpu);
    reopened.close();
    // The same reads without JSON.parse (key pages, then each entry by item_no): the state's own part of rest().
    const raw = new Database(file, { readonly: true });
    const pageSize = raw.pragma('page_size', { simple: true }) as number;
    const keys = raw.prepare(`SELECT key, item_no FROM items WHERE key > ? AND status IN ('done', 'given_up') ORDER BY key LIMIT 256`).raw();
    const entryByNo = raw.prepare('SELECT entry FROM entries WHERE item_no = ?').pluck();
    cpu = process.cpuUsage();
    let textBytes = 0;
    for (let after = ''; ; ) {
      const rows = keys.all(after) as Array<[string, number]>;
      for (const [, itemNo] of rows) textBytes += (entryByNo.get(itemNo) as string).length;
      if (rows.length < 256) break;
      after = rows[rows.length - 1][0];
    }
    const readMs = cpuMs(cpu);
    raw.close();

    return [
      `state: ${ITEMS} records of ${fixed(bytes / ITEMS / 1024)} KB JSON (file ${fixed(fileMb, 0)} MB, pages of ${pageSize} bytes)`,
      `  record:   ${fixed(recordMs / ITEMS, 3)} CPU ms/record (${fixed((ITEMS / recordWall) * 1000, 0)} records/s wall; commit of 256: median ${fixed(commits[commits.length >> 1], 1)} ms, p99 ${fixed(commits[Math.floor(commits.length * 0.99)], 0)} ms, longest ${fixed(commits[commits.length - 1], 0)} ms)`,
      `  references: JSON.stringify ${fixed(stringifyMs / ITEMS, 3)} CPU ms/entry; bare INSERT (with stringify) ${fixed(bareMs / ITEMS, 3)} CPU ms/record`,
      `  ratio record / bare INSERT: ${fixed(recordMs / bareMs, 2)}`,
      `  memory(): ${memory.size} items in ${fixed(loadWall, 0)} ms wall, ${fixed(loadMs, 0)} CPU ms`,
      `  rest():   ${restCount} entries, ${fixed(restMs / restCount, 3)} CPU ms/entry (JSON.parse included); the same reads without parsing ${fixed(readMs / restCount, 3)} CPU ms/entry (${fixed(textBytes / restCount / 1024)} KB)`,
      `  rest(all seen), as after a full search: ${skipped} entries, ${fixed(restSeenMs, 0)} CPU ms in all (${fixed((restSeenMs / ITEMS) * 1000, 1)} µs an item)`,
      '',
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(await benchState());
