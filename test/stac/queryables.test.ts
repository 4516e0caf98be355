import { lastValueFrom, toArray } from 'rxjs';
import { pino } from 'pino';
import { stacSearch, stacSearchOptions } from '../../operators/stac-search.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';
import { createHttpClient } from '../../src/http/client.js';
import type { HttpLimits } from '../../src/http/limits.js';
import { RunStats } from '../../src/engine/stats.js';
import { openStacApi, type StacApi } from '../../src/stac/client.js';
import { StacQueryableError } from '../../src/stac/errors.js';
import { assertQueryable, checkQueryable, QUERYABLES_REL, queryablesHrefs, type Queryables } from '../../src/stac/queryables.js';
import { sourceOf, TEST_LIMITS, testContext } from '../helpers/context.js';
import { fakeApi, ITEM_SEARCH } from './fake-api.js';

/**
 * Issue 11 point 7: where the API publishes a closed `/queryables`, a filter property it does not list ends the
 * run before any search, with did-you-mean; an open schema, a 404, or a queryables answer too large or stalled
 * checks nothing and the run goes on (a warning for the failures). Against the sandbox on 127.0.0.1.
 */

const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
const STEREO = 'kaguya_terrain_camera_stereoscopic_uncontrolled_observations';
const gt = (property: string, value: number) => ({ op: '>', args: [{ property }, value] });

interface Run {
  ids?: string[];
  error?: unknown;
  stats: RunStats;
  lines: Array<{ level: number; msg: string; href?: string; error?: string }>;
}

/** One stac_search against `sandbox`, its items or its error, with the log (debug and up) and the stats. */
async function search(sandbox: Sandbox, options: Record<string, unknown>, limits: HttpLimits = TEST_LIMITS): Promise<Run> {
  const lines: Run['lines'] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s) as Run['lines'][number]) });
  const stats = new RunStats();
  const ctx = testContext('stac_search', { log, stats, limits, http: createHttpClient({ limits }) });
  try {
    const entries = await lastValueFrom(sourceOf(stacSearch, stacSearchOptions.parse({ api: sandbox.url, ...options }), ctx).pipe(toArray()));
    return { ids: entries.map((e) => e.item.id), stats, lines };
  } catch (error) {
    return { error, stats, lines };
  }
}

async function withSandbox(options: SandboxOptions, body: (sandbox: Sandbox) => Promise<void>): Promise<void> {
  const sandbox = await startSandbox({ itemsPerCollection: 20, s3: { enabled: false }, maxStallMs: 5000, ...options });
  try {
    await body(sandbox);
  } finally {
    await sandbox.close();
  }
}

const searched = (sandbox: Sandbox) => sandbox.requests.filter((r) => r.path === '/search' || r.path.endsWith('/items'));
const queryablesRead = (sandbox: Sandbox) => sandbox.requests.filter((r) => r.path.endsWith('/queryables')).map((r) => r.path);

describe('a closed queryables schema', () => {
  test('a misspelled property ends the run before any search, with did-you-mean and the queryables read', async () => {
    await withSandbox({ queryables: 'closed' }, async (sandbox) => {
      const run = await search(sandbox, { collections: [MONO], filter: { op: 'and', args: [gt('view:sun_elevaton', 10), gt('gsd', 8)] } });
      const err = run.error as StacQueryableError;
      expect(err).toBeInstanceOf(StacQueryableError);
      const href = `${sandbox.url}collections/${MONO}/queryables`;
      expect([err.code, err.errorClass, err.parameter, err.property, err.suggestion, err.queryablesHrefs])
        .toEqual(['ERR_STAC_NOT_QUERYABLE', 'fatal', 'stac_search.filter', 'view:sun_elevaton', 'view:sun_elevation', [href]]);
      expect(err.message).toContain(`stac_search.filter names property "view:sun_elevaton", which the API does not list as queryable (${href}: additionalProperties: false); did you mean "view:sun_elevation"?`);
      expect(queryablesRead(sandbox)).toEqual([`/collections/${MONO}/queryables`]);
      expect(searched(sandbox)).toEqual([]);
    });
  });

  test('a property with no close name is refused with what the API lists; the API-wide queryables when the search names no collection', async () => {
    await withSandbox({ queryables: 'closed' }, async (sandbox) => {
      const run = await search(sandbox, { filter: { op: '<', args: [{ property: 'eo:cloud_cov' }, 10] } });
      const err = run.error as StacQueryableError;
      expect(err).toBeInstanceOf(StacQueryableError);
      expect(err.suggestion).toBeUndefined();
      expect(err.message).toMatch(/names property "eo:cloud_cov", .*; it lists: id, collection, geometry, start_datetime, .*gsd, .*view:sun_elevation/);
      expect(err.queryablesHrefs).toEqual([`${sandbox.url}queryables`]);
      expect(queryablesRead(sandbox)).toEqual(['/queryables']);
      expect(searched(sandbox)).toEqual([]);
    });
  });

  test('listed names, and the names every API knows, search as asked: each collection\'s queryables read once', async () => {
    await withSandbox({ queryables: 'closed' }, async (sandbox) => {
      const filter = { op: 'and', args: [gt('gsd', 0), gt('properties.view:off_nadir', 0), { op: '=', args: [{ property: 'collection' }, MONO] }] };
      const run = await search(sandbox, { collections: [MONO, STEREO], per_collection: true, filter, max_items: 3 });
      expect(run.error).toBeUndefined();
      expect(run.ids).toHaveLength(3);
      expect(queryablesRead(sandbox)).toEqual([`/collections/${MONO}/queryables`, `/collections/${STEREO}/queryables`]);
      expect(searched(sandbox).length).toBeGreaterThanOrEqual(2);
    });
  });
});

test('the queryables the landing page links to are the ones read', async () => {
  const api = await fakeApi((req, root) => {
    if (req.path === '/') {
      return { body: { stac_version: '1.0.0', conformsTo: [...ITEM_SEARCH, 'https://api.stacspec.org/v1.0.0/item-search#filter'], links: [{ rel: QUERYABLES_REL, href: `${root}schemas/items.json` }] } };
    }
    if (req.path === '/schemas/items.json') return { body: { type: 'object', additionalProperties: false, properties: { gsd: {} } } };
    return req.path === '/search' ? { body: { type: 'FeatureCollection', features: [], links: [] } } : undefined;
  });
  try {
    const stats = new RunStats();
    const ctx = testContext('stac_search', { stats });
    const run = (filter: unknown) => lastValueFrom(sourceOf(stacSearch, stacSearchOptions.parse({ api: api.url, filter }), ctx).pipe(toArray()));
    const err = (await run(gt('gdd', 8)).catch((e: unknown) => e)) as StacQueryableError;
    expect([err.property, err.suggestion, err.queryablesHrefs]).toEqual(['gdd', 'gsd', [`${api.url}schemas/items.json`]]);
    expect(await run(gt('gsd', 8))).toEqual([]);
    expect(api.seen.map((r) => r.path)).toEqual(['/', '/schemas/items.json', '/', '/schemas/items.json', '/search']);
  } finally {
    await api.close();
  }
});

test('checkQueryable, for a filter pushed down from a step, names that step\'s option', async () => {
  await withSandbox({ queryables: 'closed' }, async (sandbox) => {
    const ctx = testContext('stac_search');
    const transport = { http: ctx.http, limits: ctx.limits };
    const api = await openStacApi(sandbox.url, transport);
    const err = (await checkQueryable(api, 'gsd > 8 AND "view:azimuht" < 90', [MONO], transport, ctx, { option: 'steps[1].filter' }).catch((e: unknown) => e)) as StacQueryableError;
    expect(err).toBeInstanceOf(StacQueryableError);
    expect(err.message).toMatch(/^steps\[1\]\.filter names property "view:azimuht", .*did you mean "view:azimuth"\?/);
    await expect(checkQueryable(api, 'gsd > 8 AND "view:azimuth" < 90', [MONO], transport, ctx)).resolves.toBeUndefined();
  });
});

describe('no check, and the run goes on', () => {
  test('an open schema (stac-server\'s default) allows any name', async () => {
    await withSandbox({}, async (sandbox) => {
      const run = await search(sandbox, { collections: [MONO], filter: gt('view:sun_elevaton', 10) });
      expect(run.error).toBeUndefined();
      expect(queryablesRead(sandbox)).toEqual([`/collections/${MONO}/queryables`]);
      expect(searched(sandbox)).toHaveLength(1);
      expect(run.stats.warnings).toEqual([]);
    });
  });

  test('a 404 is no queryables: said at debug, no warning', async () => {
    await withSandbox({ queryables: 'closed', faults: [{ path: /\/queryables$/, status: 404, times: Infinity }] }, async (sandbox) => {
      const run = await search(sandbox, { filter: gt('view:sun_elevaton', 10) });
      expect(run.error).toBeUndefined();
      expect(searched(sandbox)).toHaveLength(1);
      expect(run.stats.warnings).toEqual([]);
      expect(run.lines.filter((l) => l.level === 20 && /queryables/.test(l.msg)).map((l) => l.msg))
        .toEqual([`stac_search: no queryables at ${sandbox.url}queryables (404): the filter's property names are not checked`]);
    });
  });

  test('a queryables answer over http.max_page_bytes: a warning in the log and the report, then the search', async () => {
    const big = JSON.stringify({ type: 'object', additionalProperties: false, properties: { gsd: {} }, pad: 'x'.repeat(80_000) });
    const limits = { ...TEST_LIMITS, maxPageBytes: 64 * 1024 };
    await withSandbox({ queryables: 'closed', faults: [{ path: '/queryables', status: 200, body: big, times: Infinity }] }, async (sandbox) => {
      const run = await search(sandbox, { filter: gt('view:sun_elevaton', 10), limit: 2, max_items: 2 }, limits);
      expect(run.error).toBeUndefined();
      expect(searched(sandbox)).toHaveLength(1);
      expect(run.stats.warnings).toEqual([expect.objectContaining({ stage: 'stac_search', code: 'W_QUERYABLES_UNREAD', href: `${sandbox.url}queryables`, error: 'ERR_STAC_TOO_LARGE' })]);
      expect(run.stats.warnings[0].message).toMatch(/^queryables not read, so the filter's property names are not checked: queryables: GET .*max_page_bytes/);
      expect(run.lines.filter((l) => l.level === 40).map((l) => l.error)).toEqual(['ERR_STAC_TOO_LARGE']);
    });
  });

  test('a stalled queryables answer: bounded by http.head_timeout and the retries, a warning, then the search', async () => {
    const limits = { ...TEST_LIMITS, headTimeoutMs: 300, retries: 1 };
    await withSandbox({ queryables: 'closed', faults: [{ path: `/collections/${MONO}/queryables`, stallHead: true, times: Infinity }] }, async (sandbox) => {
      const started = Date.now();
      const run = await search(sandbox, { collections: [MONO], filter: gt('view:sun_elevaton', 10) }, limits);
      expect(run.error).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(4000); // two attempts of 300 ms, not the default 60 s each
      expect(queryablesRead(sandbox)).toHaveLength(2);
      expect(searched(sandbox)).toHaveLength(1);
      expect(run.stats.warnings.map((w) => [w.code, (w as { error?: string }).error])).toEqual([['W_QUERYABLES_UNREAD', 'ERR_HEAD_TIMEOUT']]);
    });
  }, 15_000);

  test('check_conformance: false skips the check with the conformance one', async () => {
    await withSandbox({ queryables: 'closed' }, async (sandbox) => {
      const run = await search(sandbox, { filter: gt('view:sun_elevaton', 10), check_conformance: false });
      expect(run.error).toBeUndefined();
      expect(queryablesRead(sandbox)).toEqual([]);
      expect(searched(sandbox)).toHaveLength(1);
    });
  });
});

describe('assertQueryable and where queryables are read', () => {
  const closed: Queryables = { kind: 'closed', names: new Set(['gsd', 'view:sun_elevation']), hrefs: ['http://api/queryables'] };

  test('a CQL2 text filter is parsed and checked as JSON is', () => {
    expect(() => assertQueryable("gsd > 8 AND \"view:sun_elevaton\" < 10 AND collection = 'x'", closed)).toThrow(/property "view:sun_elevaton".*did you mean "view:sun_elevation"\?/);
    expect(() => assertQueryable("gsd > 8 AND id = 'a' AND S_INTERSECTS(geometry, BBOX(0, 0, 1, 1)) AND datetime > TIMESTAMP('2020-01-01T00:00:00Z')", closed)).not.toThrow();
  });

  test('an open or unknown schema checks nothing; a filter that is not CQL2 is its located error', () => {
    expect(() => assertQueryable({ op: '>', args: [{ property: 'anything' }, 1] }, { kind: 'open', href: 'http://api/queryables' })).not.toThrow();
    expect(() => assertQueryable({ op: '>', args: [{ property: 'anything' }, 1] }, { kind: 'unknown', href: 'http://api/queryables' })).not.toThrow();
    expect(() => assertQueryable('gsd >', closed)).toThrow(/^stac_search\.filter:1:/);
  });

  test('the landing page\'s queryables link is read, else {api}/queryables; with collections, theirs', () => {
    const api = { url: 'http://h/api', base: 'http://h/api/', conformsTo: [], conformanceSource: 'landing page', searchLinks: {} } as const satisfies StacApi;
    expect(queryablesHrefs(api)).toEqual(['http://h/api/queryables']);
    expect(queryablesHrefs({ ...api, queryablesHref: 'http://h/other/q.json' })).toEqual(['http://h/other/q.json']);
    expect(queryablesHrefs(api, ['a b', 'c'])).toEqual(['http://h/api/collections/a%20b/queryables', 'http://h/api/collections/c/queryables']);
  });
});
