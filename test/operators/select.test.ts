import { readFileSync } from 'node:fs';
import { TestScheduler } from 'rxjs/testing';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { newEntry, withFailure, withFields, type Entry, type StacItem } from '../../src/entry.js';
import { select, selectOptions } from '../../operators/select.js';
import { stepOf, testContext } from '../helpers/context.js';

const loadItem = (id: string): StacItem =>
  JSON.parse(readFileSync(new URL(`../fixtures/usgs/stac/item_kaguya_tc_monoscopic_${id}.json`, import.meta.url), 'utf8'));

/** Stands in for a parsed caminfo.pvl: answers case-insensitive path queries. */
const label = (incidence: number) => ({
  get: (path: string) => (path.toLowerCase() === 'caminfo.geometry.incidenceangle' ? incidence : undefined),
});

// IncidenceAngle values of the three real caminfo.pvl files (fixtures/usgs/SOURCES.md).
const a = withFields(newEntry(loadItem('TC1S2B0_01_07495N079E3030')), { caminfo: label(62.64846899183) });
const b = withFields(newEntry(loadItem('TC1S2B0_01_07496N087E3020')), { caminfo: label(62.548768944137) });
const failed = withFailure(newEntry(loadItem('TC1S2B0_01_07496N183E3021')), {
  stage: 'fetch_label',
  code: 'ERR_HTTP',
  message: 'HTTP 404 for caminfo_pvl',
});

const options = selectOptions.parse({ incidence_angle: 'caminfo.Caminfo.Geometry.IncidenceAngle', gsd: 'gsd' });

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

describe('select', () => {
  it('adds each selected name to each entry', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-|', { a, b });
      expectObservable(source.pipe(stepOf(select, options, testContext('select')))).toBe('-x-y-|', {
        x: withFields(a, { incidence_angle: 62.64846899183, gsd: a.item.properties.gsd }),
        y: withFields(b, { incidence_angle: 62.548768944137, gsd: 7.6508919736877 }),
      });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('gives null for a path that finds nothing', () => {
    const missing = selectOptions.parse({ nothing: 'assets.nothing.href' });
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('-a-|', { a });
      expectObservable(source.pipe(stepOf(select, missing, testContext('select')))).toBe('-x-|', { x: withFields(a, { nothing: null }) });
    });
  });

  it('passes entries that failed earlier through untouched', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('-f-a-|', { f: failed, a });
      expectObservable(source.pipe(stepOf(select, options, testContext('select')))).toBe('-f-x-|', {
        f: failed,
        x: withFields(a, { incidence_angle: 62.64846899183, gsd: a.item.properties.gsd }),
      });
    });
  });

  it('counts entries in and out under its label', () => {
    const ctx = testContext('select#3');
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-f-b-|', { a, b, f: failed }).pipe(stepOf(select, options, ctx))).toBe('-a-f-b-|', {
        a: expect.anything(),
        b: expect.anything(),
        f: failed,
      });
    });
    expect(ctx.stats.stage('select#3')).toMatchObject({ in: 3, out: 3, failed: 0, dropped: 0 });
  });

  it('fails the entry, not the run, when a label document throws', () => {
    const broken = withFields(a, {
      caminfo: {
        get: () => {
          throw new Error('bad query');
        },
      },
    });
    const ctx = testContext('select');
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-x-b-|', { x: broken, b }).pipe(stepOf(select, options, ctx))).toBe('-x-y-|', {
        x: withFailure(broken, { stage: 'select', code: 'ERR_UNEXPECTED', message: 'bad query' }),
        y: expect.objectContaining({ fields: expect.objectContaining({ incidence_angle: 62.548768944137 }) }),
      });
    });
    expect(ctx.stats.stage('select')).toMatchObject({ in: 2, out: 1, failed: 1 });
  });

  it('passes an error of the source on', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#', { a }, new Error('source broke'));
      expectObservable(source.pipe(stepOf(select, options, testContext('select')))).toBe(
        '-x-#',
        { x: expect.anything() },
        new Error('source broke'),
      );
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('unsubscribes from the source when its subscriber does', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-a-|', { a, b });
      expectObservable(source.pipe(stepOf(select, options, testContext('select'))), '^--!').toBe('-x--', { x: expect.anything() });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});

describe('select options', () => {
  it('parse the documented example', () => {
    const yaml = parseYaml(select.example) as { select: unknown };
    expect(selectOptions.parse(yaml.select)).toEqual({
      incidence_angle: 'caminfo.Caminfo.Geometry.IncidenceAngle',
      gsd: 'gsd',
      image_href: 'assets.image.href',
    });
  });

  it('reject names that are not identifiers', () => {
    const result = selectOptions.safeParse({ 'incidence-angle': 'x' });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('a selected name must be an identifier');
  });

  it('reject an invalid path, saying where', () => {
    const result = selectOptions.safeParse({ angle: 'caminfo..IncidenceAngle' });
    expect(result.error?.issues).toMatchObject([
      { path: ['angle'], message: "invalid field path 'caminfo..IncidenceAngle': expected a name, found '.' at column 9" },
    ]);
  });

  it('reject an empty mapping', () => {
    expect(selectOptions.safeParse({}).success).toBe(false);
  });

  it('have a JSON Schema', () => {
    expect(z.toJSONSchema(selectOptions, { io: 'input' })).toMatchObject({ type: 'object', propertyNames: { pattern: expect.any(String) } });
  });
});
