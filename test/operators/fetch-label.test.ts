import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { fetchLabel, fetchLabelOptions } from '../../operators/fetch-label.js';
import { newEntry, withFailure, type Entry, type StacItem } from '../../src/entry.js';
import type { StageContext } from '../../src/engine/stage.js';
import { PvlDocument } from '../../src/pvl/index.js';
import { closeS3Clients } from '../../src/s3/client.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { startLabelServer, type LabelServer } from '../labels/label-server.js';
import { stepOf, testContext } from '../helpers/context.js';

const FIXTURES = new URL('../fixtures/usgs/', import.meta.url);
const IDS = ['TC1S2B0_01_07496N087E3020', 'TC1S2B0_01_07495N079E3030', 'TC1S2B0_01_07496N183E3021'];
/** IncidenceAngle of each real caminfo.pvl (fixtures/usgs/caminfo). */
const INCIDENCE: Record<string, number> = {
  TC1S2B0_01_07496N087E3020: 62.64846899183,
  TC1S2B0_01_07495N079E3030: 62.548768944137,
  TC1S2B0_01_07496N183E3021: 63.550511855274,
};
const caminfoText = (id: string): string => readFileSync(new URL(`caminfo/${id}.caminfo.pvl`, FIXTURES), 'utf8');
const realItem = (id: string): StacItem => JSON.parse(readFileSync(new URL(`stac/item_kaguya_tc_monoscopic_${id}.json`, FIXTURES), 'utf8'));

/** A real item whose caminfo_pvl asset points at the label server (or is gone, with `href: null`). */
function itemAt(id: string, href: string | null, itemId = id): StacItem {
  const item = realItem(id);
  const assets = { ...item.assets };
  if (href === null) delete assets.caminfo_pvl;
  else assets.caminfo_pvl = { ...assets.caminfo_pvl, href };
  return { ...item, id: itemId, assets };
}

async function run(options: unknown, entries: Entry[], ctx: StageContext = testContext('fetch_label')): Promise<Entry[]> {
  const operator = stepOf(fetchLabel, fetchLabelOptions.parse(options), ctx);
  return lastValueFrom(from(entries).pipe(operator, toArray()));
}

let server: LabelServer;
beforeAll(async () => {
  server = await startLabelServer();
  for (const id of IDS) server.put(`/${id}.caminfo.pvl`, caminfoText(id));
  server.put('/broken.caminfo.pvl', 'Object = Caminfo\n  Lines = = 5\nEnd_Object\nEnd\n');
});
afterAll(async () => { await server.close(); });
beforeEach(() => { server.requests.length = 0; });

const entriesOnServer = (): Entry[] => IDS.map((id) => newEntry(itemAt(id, `${server.url}${id}.caminfo.pvl`)));

describe('fetch_label options', () => {
  it('reads its documented example', () => {
    const yaml = parseYaml(fetchLabel.example) as { fetch_label: unknown };
    expect(fetchLabelOptions.parse(yaml.fetch_label)).toEqual({ asset: 'caminfo_pvl', as: 'caminfo', concurrency: 32, cache: '.stacflow/labels', required: true });
  });

  it('needs only the asset; concurrency 16 and required by default', () => {
    expect(fetchLabelOptions.parse({ asset: 'caminfo_pvl' })).toEqual({ asset: 'caminfo_pvl', concurrency: 16, required: true });
  });

  it('has a JSON Schema for editors, every option described', () => {
    const schema = z.toJSONSchema(fetchLabelOptions, { io: 'input' }) as { properties: Record<string, { description?: string }>; required: string[] };
    expect(schema.required).toEqual(['asset']);
    expect(Object.keys(schema.properties).sort()).toEqual(['as', 'asset', 'cache', 'concurrency', 'required']);
    for (const [name, property] of Object.entries(schema.properties)) expect([name, typeof property.description]).toEqual([name, 'string']);
  });

  it.each([
    [{ asset: 'caminfo_pvl', concurrency: 0 }, ['concurrency']],
    [{ asset: 'caminfo_pvl', concurrency: 2.5 }, ['concurrency']],
    [{ asset: 'caminfo_pvl', as: 'cam info' }, ['as']],
    [{ asset: '' }, ['asset']],
    [{ asset: 'caminfo_pvl', requird: false }, []],
  ])('refuses %j at its path', (options, at) => {
    const result = fetchLabelOptions.safeParse(options);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].path).toEqual(at);
  });
});

describe('fetch_label over HTTP', () => {
  it('parses each label into the `as` field, which field paths then read by PVL keys', async () => {
    const out = await run({ asset: 'caminfo_pvl', as: 'caminfo' }, entriesOnServer());
    expect(out.map((e) => e.item.id).sort()).toEqual([...IDS].sort());
    for (const entry of out) {
      expect(entry.failures).toEqual([]);
      expect(entry.fields.caminfo).toBeInstanceOf(PvlDocument);
      const doc = entry.fields.caminfo as PvlDocument;
      expect(doc.get('Caminfo.Geometry.IncidenceAngle')).toBe(INCIDENCE[entry.item.id]);
      expect(doc.source).toBe(`${server.url}${entry.item.id}.caminfo.pvl`);
    }
  });

  it('names the field after the asset when `as` is not given', async () => {
    const [entry] = await run({ asset: 'caminfo_pvl' }, entriesOnServer().slice(0, 1));
    expect(Object.keys(entry.fields)).toEqual(['caminfo_pvl']);
  });

  it('counts labels fetched and bytes', async () => {
    const ctx = testContext('fetch_label#1');
    await run({ asset: 'caminfo_pvl' }, entriesOnServer(), ctx);
    const bytes = IDS.reduce((sum, id) => sum + Buffer.byteLength(caminfoText(id)), 0);
    expect(ctx.stats.stage('fetch_label#1')).toMatchObject({ in: 3, out: 3, failed: 0, counters: { fetched: 3, bytes } });
  });

  it('fails an item without the asset, and goes on with the others', async () => {
    const ctx = testContext('fetch_label');
    const entries = [newEntry(itemAt(IDS[0], null)), ...entriesOnServer().slice(1)];
    const out = await run({ asset: 'caminfo_pvl', as: 'caminfo' }, entries, ctx);
    const failed = out.find((e) => e.item.id === IDS[0])!;
    expect(failed.failures).toEqual([
      { stage: 'fetch_label', code: 'ERR_LABEL_NO_ASSET', message: expect.stringMatching(/^item has no asset caminfo_pvl \(its assets: thumbnail, image, /) },
    ]);
    expect(failed.fields).toEqual({});
    expect(out.filter((e) => e.failures.length === 0)).toHaveLength(2);
    expect(ctx.stats.failures).toEqual([expect.objectContaining({ item: IDS[0], code: 'ERR_LABEL_NO_ASSET' })]);
  });

  it('gives null for an item without the asset when `required: false`', async () => {
    const out = await run({ asset: 'caminfo_pvl', as: 'caminfo', required: false }, [newEntry(itemAt(IDS[0], null))]);
    expect(out[0].failures).toEqual([]);
    expect(out[0].fields).toEqual({ caminfo: null });
  });

  it('fails an item whose label is missing with the status and href', async () => {
    const href = `${server.url}nowhere.caminfo.pvl`;
    const out = await run({ asset: 'caminfo_pvl' }, [newEntry(itemAt(IDS[0], href)), ...entriesOnServer().slice(1)]);
    expect(out.find((e) => e.item.id === IDS[0])!.failures).toEqual([
      { stage: 'fetch_label', code: 'ERR_LABEL_HTTP', message: `HTTP 404 Not Found from ${href}`, href, status: 404 },
    ]);
    expect(out.filter((e) => e.failures.length === 0)).toHaveLength(2);
  });

  it('fails an item whose label is not PVL with href:line:col and the line', async () => {
    const href = `${server.url}broken.caminfo.pvl`;
    const [entry] = await run({ asset: 'caminfo_pvl' }, [newEntry(itemAt(IDS[0], href))]);
    expect(entry.failures).toEqual([{ stage: 'fetch_label', code: 'ERR_PVL_SYNTAX', message: expect.stringContaining(`${href}:2:11: not valid PVL`), href }]);
    expect(entry.failures[0].message).toContain('Lines = = 5');
  });

  it('refuses a label over http.max_label_bytes before parsing it, also when it comes from the cache (ERR_LABEL_TOO_LARGE)', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'stacflow-label-cache-'));
    const href = `${server.url}${IDS[0]}.caminfo.pvl`;
    await run({ asset: 'caminfo_pvl', cache }, [newEntry(itemAt(IDS[0], href))]);
    const small = testContext('fetch_label', { limits: { ...testContext().limits, maxLabelBytes: 1024 } });
    const [entry] = await run({ asset: 'caminfo_pvl', cache }, [newEntry(itemAt(IDS[0], href))], small);
    expect(small.stats.stage('fetch_label').counters).toEqual({ cache_hits: 1 });
    expect(entry.failures).toEqual([
      { stage: 'fetch_label', code: 'ERR_LABEL_TOO_LARGE', message: `label ${href} is 7091 bytes: more than http.max_label_bytes = 1 KiB; not parsed`, href },
    ]);
  });

  it('fails an item whose label nests 1,000 deep with ERR_PVL_DEPTH at href:line:col; a label keyword __proto__ is a plain key', async () => {
    server.put('/deep.caminfo.pvl', 'OBJECT = A\n'.repeat(1000));
    server.put('/proto.caminfo.pvl', 'Object = Caminfo\n  __proto__ = 5\n  constructor = 6\nEnd_Object\nEnd\n');
    const deep = `${server.url}deep.caminfo.pvl`;
    const proto = `${server.url}proto.caminfo.pvl`;
    const [a, b] = await run({ asset: 'caminfo_pvl', as: 'caminfo' }, [newEntry(itemAt(IDS[0], deep, 'deep')), newEntry(itemAt(IDS[1], proto, 'proto'))]);
    expect(a.failures).toEqual([{ stage: 'fetch_label', code: 'ERR_PVL_DEPTH', message: expect.stringContaining(`${deep}:65:1: not valid PVL: nesting deeper than 64 levels`), href: deep }]);
    const plain = (b.fields.caminfo as PvlDocument).toJSON() as { Caminfo: Record<string, unknown> };
    expect(Object.getPrototypeOf(plain.Caminfo)).toBe(Object.prototype);
    expect(Object.keys(plain.Caminfo)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(plain.Caminfo, '__proto__')?.value).toBe(5);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does nothing for entries that failed earlier', async () => {
    const earlier = withFailure(entriesOnServer()[0], { stage: 'stac_search', code: 'ERR_X', message: 'x' });
    const out = await run({ asset: 'caminfo_pvl' }, [earlier]);
    expect(out).toEqual([earlier]);
    expect(server.requests).toEqual([]);
  });

  it('revalidates cached labels on a later run: 304s, no body downloaded', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'stacflow-label-cache-'));
    const first = testContext('fetch_label');
    await run({ asset: 'caminfo_pvl', as: 'caminfo', cache }, entriesOnServer(), first);
    const second = testContext('fetch_label');
    const out = await run({ asset: 'caminfo_pvl', as: 'caminfo', cache }, entriesOnServer(), second);
    expect(first.stats.stage('fetch_label').counters).toMatchObject({ fetched: 3 });
    expect(second.stats.stage('fetch_label').counters).toEqual({ cache_hits: 3 });
    expect(server.requests.map((r) => r.status)).toEqual([200, 200, 200, 304, 304, 304]);
    expect(server.requests.slice(3).every((r) => r.bytes === 0 && r.ifNoneMatch !== undefined)).toBe(true);
    for (const entry of out) expect((entry.fields.caminfo as PvlDocument).get('Caminfo.Geometry.IncidenceAngle')).toBe(INCIDENCE[entry.item.id]);
  });
});

describe('fetch_label concurrency', () => {
  it('keeps at most `concurrency` labels in flight, and uses them all', async () => {
    const total = 12;
    const cap = 3;
    // Answers are held until `cap` requests are in flight (or all that remain): a stage over the cap would be
    // seen above it, one under the cap would never be released (and the test would time out).
    const slow = await startLabelServer({ holdUntil: (inFlight, answered) => inFlight >= Math.min(cap, total - answered) });
    try {
      slow.put('/label.pvl', caminfoText(IDS[0]));
      const entries = Array.from({ length: total }, (_, i) => newEntry(itemAt(IDS[0], `${slow.url}label.pvl?n=${i}`, `item-${i}`)));
      const out = await run({ asset: 'caminfo_pvl', concurrency: cap }, entries);
      expect(out.filter((e) => e.failures.length === 0)).toHaveLength(total);
      expect(slow.maxInFlight()).toBe(cap);
    } finally {
      await slow.close();
    }
  });
});

describe('fetch_label from S3 (the sandbox endpoint)', () => {
  let sandbox: Sandbox;
  let items: StacItem[];
  let missing: string;
  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 5, itemsPerCollection: 10, s3: { objects: 'none' } });
    items = sandbox.catalog
      .search({})
      .slice(0, 6)
      .map(({ collection, id }) => sandbox.catalog.item(collection, id)!);
    missing = items[1].id;
    await sandbox.close();
    // Again, with one item's label missing (the catalog is the same for the same seed).
    sandbox = await startSandbox({ seed: 5, itemsPerCollection: 10, s3: { objects: 'none', missing: [missing] } });
  });
  afterAll(async () => {
    await sandbox.close();
    closeS3Clients();
  });
  beforeEach(() => sandbox.s3!.clearRequests());

  const s3Context = () => testContext('fetch_label', { s3: { region: 'us-west-2', anonymous: true, endpoint: sandbox.s3Endpoint } });
  const labelGets = () => sandbox.s3!.requests.filter((r) => r.method === 'GET' && r.key?.endsWith('.caminfo.pvl'));

  it('reads the items\' dash-region hrefs through s3.endpoint, and fails the item whose label is missing (NoSuchKey)', async () => {
    const ctx = s3Context();
    const out = await run({ asset: 'caminfo_pvl', as: 'caminfo' }, items.map(newEntry), ctx);
    expect(items[0].assets.caminfo_pvl.href).toMatch(/^https:\/\/astrogeo-ard\.s3-us-west-2\.amazonaws\.com\//);
    for (const entry of out.filter((e) => e.item.id !== missing)) {
      expect(entry.failures).toEqual([]);
      expect((entry.fields.caminfo as PvlDocument).get('Caminfo.Geometry.IncidenceAngle')).toBe(sandbox.s3!.caminfo(entry.item.id).incidenceAngle);
    }
    const href = items[1].assets.caminfo_pvl.href;
    expect(out.find((e) => e.item.id === missing)!.failures).toEqual([
      { stage: 'fetch_label', code: 'ERR_S3_NOT_FOUND', status: 404, href, message: expect.stringContaining('NoSuchKey') },
    ]);
    expect(ctx.stats.stage('fetch_label')).toMatchObject({ in: 6, out: 5, failed: 1, counters: { fetched: 5 } });
    expect(labelGets().map((r) => r.key).sort()).toEqual(items.map((i) => sandbox.s3!.key(i.id, 'caminfo_pvl')).sort());
  });

  it('reads s3:// hrefs the same way', async () => {
    const key = sandbox.s3!.key(items[0].id, 'caminfo_pvl');
    const item = { ...items[0], assets: { caminfo_pvl: { href: `s3://astrogeo-ard/${key}` } } };
    const [entry] = await run({ asset: 'caminfo_pvl' }, [newEntry(item)], s3Context());
    expect((entry.fields.caminfo_pvl as PvlDocument).get('Caminfo.Geometry.EmissionAngle')).toBe(sandbox.s3!.caminfo(items[0].id).emissionAngle);
  });

  it('with a cache, a later run sends If-None-Match and gets 304s: no label body is downloaded again', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'stacflow-label-cache-'));
    const present = items.filter((i) => i.id !== missing).map(newEntry);
    await run({ asset: 'caminfo_pvl', as: 'caminfo', cache }, present, s3Context());
    expect(labelGets().map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    sandbox.s3!.clearRequests();
    const ctx = s3Context();
    const out = await run({ asset: 'caminfo_pvl', as: 'caminfo', cache }, present, ctx);
    expect(ctx.stats.stage('fetch_label').counters).toEqual({ cache_hits: 5 });
    expect(labelGets().map((r) => [r.status, typeof r.headers['if-none-match']])).toEqual(Array(5).fill([304, 'string']));
    for (const entry of out) {
      expect((entry.fields.caminfo as PvlDocument).get('Caminfo.Geometry.IncidenceAngle')).toBe(sandbox.s3!.caminfo(entry.item.id).incidenceAngle);
    }
  });
});
