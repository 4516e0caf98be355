import { readFileSync } from 'node:fs';
import { TestScheduler } from 'rxjs/testing';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { newEntry, withFailure, withFields, type StacItem } from '../../src/entry.js';
import { filter, filterOptions } from '../../operators/filter.js';
import { stepOf, testContext } from '../helpers/context.js';

const item: StacItem = JSON.parse(
  readFileSync(new URL('../fixtures/usgs/stac/item_kaguya_tc_monoscopic_TC1S2B0_01_07496N087E3020.json', import.meta.url), 'utf8'),
);
const angled = (id: string, incidence_angle: number | null) => withFields(newEntry({ ...item, id }), { incidence_angle });

const low = angled('low', 62.548768944137);
const high = angled('high', 85.2);
const unknown = angled('unknown', null);
const failed = withFailure(angled('failed', null), { stage: 'fetch_label', code: 'ERR_HTTP', message: 'HTTP 404 for caminfo_pvl' });

const below80 = filterOptions.parse('incidence_angle < 80');

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

describe('filter', () => {
  it('keeps entries for which the expression holds and drops the others', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-l-h-l-|', { l: low, h: high });
      expectObservable(source.pipe(stepOf(filter, below80, testContext('filter')))).toBe('-l---l-|', { l: low });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('drops entries whose value is missing or null', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('-u-l-|', { u: unknown, l: low });
      expectObservable(source.pipe(stepOf(filter, below80, testContext('filter')))).toBe('---l-|', { l: low });
    });
  });

  it('counts entries in, out and dropped under its label', () => {
    const ctx = testContext('filter#4');
    const droppedEvents: number[] = [];
    ctx.stats.on('dropped', (_label: string, n: number) => droppedEvents.push(n));
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-l-h-u-|', { l: low, h: high, u: unknown }).pipe(stepOf(filter, below80, ctx))).toBe('-l-----|', { l: low });
    });
    expect(ctx.stats.stage('filter#4')).toMatchObject({ in: 3, out: 1, dropped: 2, failed: 0 });
    expect(droppedEvents).toEqual([1, 1]);
  });

  it('passes entries that failed earlier on without testing them', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('-f-h-|', { f: failed, h: high });
      expectObservable(source.pipe(stepOf(filter, below80, testContext('filter')))).toBe('-f---|', { f: failed });
    });
  });

  it('drops entries that failed earlier with keep_failed: false', () => {
    const options = filterOptions.parse({ where: 'incidence_angle < 80', keep_failed: false });
    const ctx = testContext('filter');
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-f-l-|', { f: failed, l: low }).pipe(stepOf(filter, options, ctx))).toBe('---l-|', { l: low });
    });
    expect(ctx.stats.stage('filter')).toMatchObject({ in: 2, out: 1, dropped: 1 });
  });

  it('fails the entry, not the run, when a label document throws', () => {
    const broken = withFields(low, {
      caminfo: {
        get: () => {
          throw new Error('bad query');
        },
      },
    });
    const options = filterOptions.parse('caminfo.Caminfo.Geometry.IncidenceAngle < 80');
    const ctx = testContext('filter');
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-x-|', { x: broken }).pipe(stepOf(filter, options, ctx))).toBe('-y-|', {
        y: withFailure(broken, { stage: 'filter', code: 'ERR_UNEXPECTED', message: 'bad query' }),
      });
    });
    expect(ctx.stats.stage('filter')).toMatchObject({ in: 1, out: 0, failed: 1, dropped: 0 });
  });

  it('passes an error of the source on', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-l-#', { l: low }, new Error('source broke'));
      expectObservable(source.pipe(stepOf(filter, below80, testContext('filter')))).toBe('-l-#', { l: low }, new Error('source broke'));
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('unsubscribes from the source when its subscriber does', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-l-h-l-|', { l: low, h: high });
      expectObservable(source.pipe(stepOf(filter, below80, testContext('filter'))), '^----!').toBe('-l---', { l: low });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });
});

describe('filter options', () => {
  it('parse the documented example', () => {
    const yaml = parseYaml(filter.example) as { filter: unknown };
    expect(filterOptions.parse(yaml.filter)).toBe('incidence_angle < 80 AND gsd <= 10');
  });

  it('accept { where, keep_failed } with keep_failed true by default', () => {
    expect(filterOptions.parse({ where: 'gsd < 10' })).toEqual({ where: 'gsd < 10', keep_failed: true });
  });

  it('report a syntax error with its column', () => {
    const result = filterOptions.safeParse('incidence_angle < ');
    expect(result.error?.issues).toMatchObject([{ path: [], message: "expected a literal after '<' at column 19" }]);
  });

  it('report a syntax error in `where` with its column', () => {
    const result = filterOptions.safeParse({ where: 'gsd <', keep_failed: false });
    expect(result.error?.issues).toMatchObject([{ path: ['where'], message: "expected a literal after '<' at column 6" }]);
  });

  it('reject unknown keys', () => {
    expect(filterOptions.safeParse({ where: 'gsd < 1', keep: true }).success).toBe(false);
  });

  it('have a JSON Schema', () => {
    expect(z.toJSONSchema(filterOptions, { io: 'input' })).toMatchObject({ anyOf: [{ type: 'string' }, { type: 'object' }] });
  });
});
