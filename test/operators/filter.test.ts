import { readFileSync } from 'node:fs';
import { TestScheduler } from 'rxjs/testing';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { newEntry, withFailure, withFields, type StacItem } from '../../src/entry.js';
import { filter, filterOptions } from '../../operators/filter.js';
import { readyStep, testContext } from '../helpers/context.js';

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
  it('keeps entries for which the expression holds and drops the others', async () => {
    const step = await readyStep(filter, below80, testContext('filter'));
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-l-h-l-|', { l: low, h: high });
      expectObservable(source.pipe(step)).toBe('-l---l-|', { l: low });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('drops entries whose value is missing or null', async () => {
    const step = await readyStep(filter, below80, testContext('filter'));
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('-u-l-|', { u: unknown, l: low });
      expectObservable(source.pipe(step)).toBe('---l-|', { l: low });
    });
  });

  it('counts entries in, out and dropped under its label', async () => {
    const ctx = testContext('filter#4');
    const droppedEvents: number[] = [];
    ctx.stats.on('dropped', (_label: string, n: number) => droppedEvents.push(n));
    const step = await readyStep(filter, below80, ctx);
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-l-h-u-|', { l: low, h: high, u: unknown }).pipe(step)).toBe('-l-----|', { l: low });
    });
    expect(ctx.stats.stage('filter#4')).toMatchObject({ in: 3, out: 1, dropped: 2, failed: 0 });
    expect(droppedEvents).toEqual([1, 1]);
  });

  it('passes entries that failed earlier on without testing them', async () => {
    const step = await readyStep(filter, below80, testContext('filter'));
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('-f-h-|', { f: failed, h: high });
      expectObservable(source.pipe(step)).toBe('-f---|', { f: failed });
    });
  });

  it('drops entries that failed earlier with keep_failed: false', async () => {
    const options = filterOptions.parse({ where: 'incidence_angle < 80', keep_failed: false });
    const ctx = testContext('filter');
    const step = await readyStep(filter, options, ctx);
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-f-l-|', { f: failed, l: low }).pipe(step)).toBe('---l-|', { l: low });
    });
    expect(ctx.stats.stage('filter')).toMatchObject({ in: 2, out: 1, dropped: 1 });
  });

  it('fails the entry, not the run, when a label document throws', async () => {
    const broken = withFields(low, {
      caminfo: {
        get: () => {
          throw new Error('bad query');
        },
      },
    });
    const options = filterOptions.parse('caminfo.Caminfo.Geometry.IncidenceAngle < 80');
    const ctx = testContext('filter');
    const step = await readyStep(filter, options, ctx);
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-x-|', { x: broken }).pipe(step)).toBe('-y-|', {
        y: withFailure(broken, { stage: 'filter', code: 'ERR_UNEXPECTED', message: 'bad query' }),
      });
    });
    expect(ctx.stats.stage('filter')).toMatchObject({ in: 1, out: 0, failed: 1, dropped: 0 });
  });

  it('passes an error of the source on', async () => {
    const step = await readyStep(filter, below80, testContext('filter'));
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-l-#', { l: low }, new Error('source broke'));
      expectObservable(source.pipe(step)).toBe('-l-#', { l: low }, new Error('source broke'));
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('unsubscribes from the source when its subscriber does', async () => {
    const step = await readyStep(filter, below80, testContext('filter'));
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-l-h-l-|', { l: low, h: high });
      expectObservable(source.pipe(step), '^----!').toBe('-l---', { l: low });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });
});

describe('filter options', () => {
  it('parse the documented example', () => {
    const yaml = parseYaml(filter.example) as { filter: unknown };
    expect(filterOptions.parse(yaml.filter)).toBe('incidence_angle < 80 AND gsd <= 10');
  });

  it('accept { where, keep_failed, pushdown } with keep_failed and pushdown true by default', () => {
    expect(filterOptions.parse({ where: 'gsd < 10' })).toEqual({ where: 'gsd < 10', keep_failed: true, pushdown: true });
  });

  it('offer their condition as CQL2 JSON to the source before them, unless pushdown is false', () => {
    const offer = (options: unknown) => filter.offer?.(filterOptions.parse(options));
    expect(offer("gsd < 10 AND id = 'a'")).toEqual({ op: 'and', args: [{ op: '<', args: [{ property: 'gsd' }, 10] }, { op: '=', args: [{ property: 'id' }, 'a'] }] });
    expect(offer({ op: '<', args: [{ property: 'gsd' }, 10] })).toEqual({ op: '<', args: [{ property: 'gsd' }, 10] });
    expect(offer({ where: 'gsd < 10', pushdown: false })).toBeUndefined();
  });

  it('report a CQL2 syntax error with its line and column (the file position is computed from them)', () => {
    const result = filterOptions.safeParse('incidence_angle < ');
    expect(result.error?.issues).toMatchObject([{ path: [], message: expect.stringMatching(/^expected a property name, .*a number.* \(CQL2 1:19\)$/), params: { textAt: { line: 1, column: 19 } } }]);
  });

  it('report a syntax error in `where` with its column', () => {
    const result = filterOptions.safeParse({ where: 'gsd <', keep_failed: false });
    expect(result.error?.issues).toMatchObject([{ path: ['where'], message: expect.stringMatching(/\(CQL2 1:6\)$/) }]);
  });

  it('report a CQL2 JSON mistake at its path inside the expression', () => {
    const result = filterOptions.safeParse({ op: 'and', args: [{ op: '<', args: [{ property: 'gsd' }, 1] }, { op: 'frobnicate', args: [] }] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: [], message: expect.stringMatching(/^unknown function frobnicate\(\)/) });
    const bad = filterOptions.safeParse({ op: 'and', args: [{ op: '<', args: [{ property: 'gsd' }, 1] }, { op: 'between', args: [{ property: 'gsd' }] }] });
    expect(bad.error?.issues[0].path).toEqual(['args', 1, 'args']);
  });

  it('accept CQL2 JSON, and the forms the old filter wrote that CQL2 keeps', () => {
    expect(filterOptions.safeParse({ op: '<', args: [{ property: 'incidence_angle' }, 80] }).success).toBe(true);
    expect(filterOptions.safeParse("incidence_angle < 80 AND gsd <= 10 AND collection = 'x'").success).toBe(true);
  });

  it('reject unknown keys', () => {
    expect(filterOptions.safeParse({ where: 'gsd < 1', keep: true }).success).toBe(false);
  });

  it('have a JSON Schema', () => {
    expect(z.toJSONSchema(filterOptions, { io: 'input' })).toMatchObject({
      anyOf: [{ anyOf: [{ type: 'string' }, { type: 'object', required: ['op'] }] }, { type: 'object', required: ['where'] }],
    });
  });
});

describe('a filter mistake in a pipeline file', () => {
  const issueOf = async (yaml: string): Promise<string> => {
    const [{ parsePipeline }, { STAGES }, { ConfigurationError }] = await Promise.all([
      import('../../src/config/load.js'), import('../../operators/index.js'), import('../../src/errors.js'),
    ]);
    try {
      parsePipeline(yaml, 'p.yaml', STAGES, {});
    } catch (err) {
      if (err instanceof ConfigurationError) return err.message;
      throw err;
    }
    throw new Error('expected the pipeline to be refused');
  };
  const head = 'name: x\nsource:\n  stac_search: { api: "http://127.0.0.1:1/" }\nsteps:\n';

  it('is reported at its own line and column in the file, quoted or plain, in `where` too', async () => {
    // The file column is where the expression starts in the file plus the column CQL2 names in it.
    const located = (message: string) => /^p\.yaml:(\d+):(\d+) (\S+): expected .* \(CQL2 1:(\d+)\)$/.exec(message)?.slice(1);
    const quoted = '  - filter: "incidence_angle < 80 AND gsd <= = 3"\n';
    const [line, col, path, inText] = located(await issueOf(head + quoted))!;
    expect([line, path]).toEqual(['5', 'steps[0].filter']);
    expect(Number(col)).toBe(quoted.indexOf('"') + 1 + Number(inText));
    expect(quoted.slice(Number(col) - 1)).toMatch(/^= 3"/);
    const plain = '  - filter:\n      where: incidence_angle <> 80 AND gsd <= = 3\n';
    const [line2, col2, path2] = located(await issueOf(head + plain))!;
    expect([line2, path2]).toEqual(['6', 'steps[0].filter.where']);
    expect(plain.split('\n')[1].slice(Number(col2) - 1)).toBe('= 3');
  });

  it('in a block scalar, at the scalar, with the line and column in the expression', async () => {
    const block = '  - filter: |\n      incidence_angle < 80\n      AND gsd <\n';
    expect(await issueOf(head + block)).toMatch(/^p\.yaml:5:13 steps\[0\]\.filter: expected .*\(CQL2 3:1\)$/);
  });
});
