import { pathToFileURL } from 'node:url';
import { newEntry, withFields, type Entry, type StacItem } from '../src/entry.js';
import { compileCql2, parseCql2Text } from '../src/fields/cql2/index.js';

/**
 * `node dist/bench/cql2.js` (the lead wires it into `npm run bench -- cql2`): CQL2 evaluation speed on one
 * core, in entries per CPU second (process.cpuUsage: wall time is noisy on a shared machine). Goal (issue 11,
 * point 8): ≥ 1,000,000 entries/s for a 3-clause filter. The old `path op literal` filter runs the same
 * 3 clauses beside, as the reference.
 *
 * Entries: POOL distinct Kaguya-like entries (a selected field, properties, a footprint), evaluated over and over
 * up to EVALUATIONS: the cost of the predicate, not of making items. The spatial cases also run once over
 * fresh entries, where each footprint is read (its box; a jsts geometry when the box test cannot decide), the
 * cost a real run pays.
 */
const POOL = 10_000;
const EVALUATIONS = Number(process.env.BENCH_CQL2_EVALUATIONS ?? 2_000_000);
const COLLECTION = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';

function makeEntries(count: number, seed: number): Entry[] {
  let state = seed;
  const random = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  return Array.from({ length: count }, (_, i) => {
    const lon = -180 + random() * 350;
    const lat = -80 + random() * 150;
    const item: StacItem = {
      type: 'Feature',
      id: `TC_${seed}_${i}`,
      collection: random() < 0.9 ? COLLECTION : 'other',
      geometry: { type: 'Polygon', coordinates: [[[lon, lat], [lon + 0.8, lat], [lon + 0.8, lat + 1.5], [lon, lat + 1.5], [lon, lat]]] },
      bbox: [lon, lat, lon + 0.8, lat + 1.5],
      properties: {
        datetime: new Date(Date.UTC(2008, 0, 1) + Math.floor(random() * 500 * 86_400_000)).toISOString(),
        gsd: 5 + random() * 10,
        'view:sun_azimuth': random() * 360,
      },
      assets: {},
    };
    return withFields(newEntry(item), { incidence_angle: random() * 120 });
  });
}

interface Row {
  readonly name: string;
  readonly evaluations: number;
  readonly kept: number;
  readonly cpuMs: number;
}

function measure(name: string, keep: (entry: Entry) => boolean, entries: readonly Entry[], evaluations: number): Row {
  // A warm-up pass, so the JIT has compiled the closures before the clock starts.
  for (const entry of entries) keep(entry);
  const start = process.cpuUsage();
  let kept = 0;
  for (let n = 0; n < evaluations; n += entries.length) for (const entry of entries) if (keep(entry)) kept += 1;
  const used = process.cpuUsage(start);
  const done = Math.ceil(evaluations / entries.length) * entries.length;
  return { name, evaluations: done, kept, cpuMs: (used.user + used.system) / 1000 };
}

/** One pass over fresh entries (each footprint read once), after a warm-up pass over others. */
function measureOnce(name: string, keep: (entry: Entry) => boolean, entries: readonly Entry[], warmUp: readonly Entry[]): Row {
  for (const entry of warmUp) keep(entry);
  const start = process.cpuUsage();
  let kept = 0;
  for (const entry of entries) if (keep(entry)) kept += 1;
  const used = process.cpuUsage(start);
  return { name, evaluations: entries.length, kept, cpuMs: (used.user + used.system) / 1000 };
}

export function benchCql2(): string {
  const entries = makeEntries(POOL, 1);
  const cql2 = (text: string) => compileCql2(parseCql2Text(text));
  const three = `incidence_angle < 80 AND gsd <= 10 AND collection = '${COLLECTION}'`;
  const bbox = 'S_INTERSECTS(geometry, BBOX(-60, 0, -20, 40))';
  // Not a rectangle: footprints whose box meets its box are related by jsts's DE-9IM matrix.
  const polygon = 'S_WITHIN(geometry, POLYGON((-60 0, -20 0, -40 40, -60 0)))';
  const rows = [
    measure('3 clauses, CQL2', cql2(three), entries, EVALUATIONS),
    // The reference: the same test written by hand in JavaScript, what no filter language can beat.
    measure('3 clauses, hand-written JS (reference)', (e) => (e.fields.incidence_angle as number) < 80 && (e.item.properties.gsd as number) <= 10 && e.item.collection === COLLECTION, entries, EVALUATIONS),
    measure('OR, BETWEEN, IN, LIKE', cql2(`incidence_angle BETWEEN 10 AND 80 OR collection IN ('a', 'b') OR id LIKE 'TC\\_1\\_9%'`), entries, EVALUATIONS),
    measure('datetime (a string) >= TIMESTAMP', cql2("datetime >= TIMESTAMP('2008-06-01T00:00:00Z')"), entries, EVALUATIONS / 4),
    measure('"view:sun_azimuth" + 10 > gsd * 20', cql2('"view:sun_azimuth" + 10 > gsd * 20'), entries, EVALUATIONS),
    measureOnce('S_INTERSECTS bbox, fresh entries', cql2(bbox), makeEntries(POOL, 2), makeEntries(POOL, 3)),
    measureOnce('S_WITHIN polygon, fresh entries', cql2(polygon), makeEntries(POOL, 4), makeEntries(POOL, 5)),
    measure('S_INTERSECTS bbox, footprints read', cql2(bbox), entries, EVALUATIONS / 10),
  ];
  const lines = rows.map((r) => {
    const perSecond = r.evaluations / (r.cpuMs / 1000);
    return `  ${r.name.padEnd(52)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)} entries/CPU s  ${((r.cpuMs * 1e6) / r.evaluations).toFixed(0).padStart(6)} ns/entry  (${r.evaluations.toLocaleString('en-US')} evaluations, ${r.kept.toLocaleString('en-US')} kept)`;
  });
  const rate = (r: Row): number => r.evaluations / (r.cpuMs / 1000);
  const [cql2Three, reference] = rows;
  const ratios = `  3 clauses: CQL2 at ${(rate(cql2Three) / 1e6).toFixed(2)}× the goal, ${(rate(cql2Three) / rate(reference)).toFixed(2)}× the hand-written reference`;
  return [`cql2 (${POOL.toLocaleString('en-US')} distinct entries; goal: ≥ 1,000,000 entries/s for 3 clauses)`, ...lines, ratios, ''].join('\n');
}

export function main(): void {
  process.stdout.write(benchCql2());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
