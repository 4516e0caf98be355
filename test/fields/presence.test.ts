import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { newEntry, withFields, type Entry, type StacItem } from '../../src/entry.js';
import { FieldWatch } from '../../src/fields/presence.js';
import { parsePvl } from '../../src/pvl/index.js';
import { filter } from '../../operators/filter.js';
import { select } from '../../operators/select.js';
import { parsePipeline } from '../../src/config/load.js';
import type { StageRegistry } from '../../src/engine/pipeline.js';
import { runPipeline } from '../../src/engine/run.js';
import { slotSource } from '../helpers/slot-source.js';

/** A field no entry ever had is said at the end of the run, with the closest name that existed there. */
const item = (id: string, properties: Record<string, unknown>): StacItem => ({ type: 'Feature', id, collection: 'c', geometry: null, properties, assets: {} });
const caminfo = parsePvl(readFileSync(new URL('../fixtures/usgs/caminfo/TC1S2B0_01_07496N087E3020.caminfo.pvl', import.meta.url), 'utf8'));
const labelled = (id: string): Entry => withFields(newEntry(item(id, { gsd: 10, 'view:sun_elevation': 30 })), { caminfo, incidence_angle: 62.6 });

describe('FieldWatch', () => {
  it('finds a misspelled label key, selected name and property, each with the closest name where it stopped', () => {
    const watch = new FieldWatch([
      'caminfo.Caminfo.Geometry.IncidenceAngel',
      'incidence_angel',
      'view:sun_elevatoin',
      'caminfo.Caminfo.Geometry.IncidenceAngle',
      'gsd',
    ]);
    for (const id of ['a', 'b']) watch.see(labelled(id));
    expect(watch.neverPresent()).toEqual([
      { path: 'caminfo.Caminfo.Geometry.IncidenceAngel', suggestion: 'caminfo.Caminfo.Geometry.IncidenceAngle' },
      { path: 'incidence_angel', suggestion: 'incidence_angle' },
      { path: 'view:sun_elevatoin', suggestion: 'view:sun_elevation' },
    ]);
  });

  it('counts a null value as present (ISIS writes NULL), and a path seen in one entry of many as present', () => {
    const watch = new FieldWatch(['maybe', 'nulled']);
    watch.see(newEntry(item('a', { nulled: null })));
    watch.see(newEntry(item('b', { maybe: 1 })));
    expect(watch.neverPresent()).toEqual([]);
  });

  it('says nothing when no entry reached the stage, and no suggestion when nothing is close', () => {
    expect(new FieldWatch(['x']).neverPresent()).toEqual([]);
    const watch = new FieldWatch(['completely_other']);
    watch.see(labelled('a'));
    expect(watch.neverPresent()).toEqual([{ path: 'completely_other' }]);
  });
});

test('a run whose filter names a field no entry has: the log and the report say it, with did-you-mean', async () => {
  const lines: Array<{ msg: string; level: number }> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as { msg: string; level: number }) });
  const source = slotSource('few', () => ['a', 'b', 'c'].map((id) => item(id, { gsd: 7, incidence_angle: 60 + id.charCodeAt(0) - 97 })));
  const registry: StageRegistry = new Map([source, select, filter].map((s) => [s.name, s]));
  const pipeline = parsePipeline(
    'name: typo\nsource: { few: {} }\nsteps:\n  - select: { angle: incidence_angle, ground: gsd_m }\n  - filter: "incidence_angel < 80"\n',
    'typo.yaml', registry, {},
  );
  const { exitCode, report } = await runPipeline(pipeline, { log, reportPath: '/dev/null' });
  expect(exitCode).toBe(0);
  expect(report.stages.find((s) => s.label === 'filter')).toMatchObject({ in: 3, out: 0, dropped: 3 });
  expect(report.warnings).toEqual([
    { stage: 'select', code: 'W_FIELD_NEVER_PRESENT', message: 'field gsd_m never present in this run', path: 'gsd_m' },
    {
      stage: 'filter', code: 'W_FIELD_NEVER_PRESENT', message: 'field incidence_angel never present in this run; did you mean incidence_angle?',
      path: 'incidence_angel', suggestion: 'incidence_angle',
    },
  ]);
  expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
    'select: field gsd_m never present in this run',
    'filter: field incidence_angel never present in this run; did you mean incidence_angle?',
  ]);
});
