import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';
import { allPages, getJson, postJson, type Page } from './http.js';

const MONO = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
const started: Sandbox[] = [];
async function sandboxWith(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({ itemsPerCollection: 20, ...options });
  started.push(sandbox);
  return sandbox;
}
afterAll(() => Promise.all(started.map((s) => s.close())));

const AT = '2026-12-01T02:00:00.000Z';
const byUpdated = (at: string) => ({ op: '>=', args: [{ property: 'updated' }, { timestamp: at }] });

async function headObject(sandbox: Sandbox, key: string): Promise<{ status: number; etag: string | null }> {
  const response = await fetch(`${sandbox.s3Endpoint}/${sandbox.s3!.bucket}/${key}`, { method: 'HEAD' });
  return { status: response.status, etag: response.headers.get('etag') };
}

describe('sandbox catalog changes between nights', () => {
  it('adds new items to a collection, stamped updated and created with the ingest time, served and searched', async () => {
    const sandbox = await sandboxWith();
    const before = sandbox.catalog.size;
    const added = await sandbox.addItems(MONO, 3, AT);
    expect(added).toHaveLength(3);
    expect(new Set(added.map((a) => a.id)).size).toBe(3);
    expect(added.every((a) => a.collection === MONO)).toBe(true);
    expect(sandbox.catalog.size).toBe(before + 3);
    expect(sandbox.catalog.collections.find((c) => c.id === MONO)?.items).toBe(23);
    const item = await getJson<Page['features'][number]>(`${sandbox.url}collections/${MONO}/items/${added[0].id}`);
    expect(item.status).toBe(200);
    expect(item.body.properties.updated).toBe(AT);
    expect(item.body.properties.created).toBe(AT);
    // New observations come after the others in time: the default order (datetime desc) lists them first.
    const first = await postJson<Page>(`${sandbox.url}search`, { limit: 3 });
    expect(first.body.features.map((f) => f.id).sort()).toEqual(added.map((a) => a.id).sort());
    expect(first.body.numberMatched).toBe(63);
  });

  it('touches items: updated set to the stamp, a property, the label and the image (bytes and ETag) changed', async () => {
    const sandbox = await sandboxWith();
    const [target] = sandbox.catalog.search({ collections: [MONO], limit: 1 });
    const before = (await getJson<Page['features'][number]>(`${sandbox.url}collections/${MONO}/items/${target.id}`)).body;
    const caminfoBefore = sandbox.s3!.caminfo(target.id).text;
    const imageBefore = await headObject(sandbox, sandbox.s3!.key(target.id, 'image'));
    expect(imageBefore.status).toBe(200);

    const touched = await sandbox.touchItems([target.id], AT);
    expect(touched).toEqual([target]);
    const after = (await getJson<Page['features'][number]>(`${sandbox.url}collections/${MONO}/items/${target.id}`)).body;
    expect(after.properties.updated).toBe(AT);
    expect(after.properties.updated).not.toBe(before.properties.updated);
    expect(after.properties['view:sun_elevation']).not.toBe(before.properties['view:sun_elevation']);
    expect(after.properties.created).toBe(before.properties.created);
    expect(sandbox.s3!.caminfo(target.id).text).not.toBe(caminfoBefore);

    const imageAfter = await headObject(sandbox, sandbox.s3!.key(target.id, 'image'));
    expect(imageAfter.status).toBe(200);
    expect(imageAfter.etag).not.toBe(imageBefore.etag);
    const bytes = new Uint8Array(await (await fetch(`${sandbox.s3Endpoint}/${sandbox.s3!.bucket}/${sandbox.s3!.key(target.id, 'image')}`)).arrayBuffer());
    expect(Buffer.from(bytes).equals(Buffer.from(sandbox.s3!.image(target.id)))).toBe(true);
    const label = await (await fetch(`${sandbox.s3Endpoint}/${sandbox.s3!.bucket}/${sandbox.s3!.key(target.id, 'caminfo_pvl')}`)).text();
    expect(label).toBe(sandbox.s3!.caminfo(target.id).text);
  });

  it('removes items: gone from searches and the item route, their objects NoSuchKey', async () => {
    const sandbox = await sandboxWith();
    const [target] = sandbox.catalog.search({ collections: [MONO], limit: 1 });
    const key = sandbox.s3!.key(target.id, 'image');
    expect((await headObject(sandbox, key)).status).toBe(200); // written now
    const removed = await sandbox.removeItems([target.id]);
    expect(removed).toEqual([target]);
    expect((await getJson(`${sandbox.url}collections/${MONO}/items/${target.id}`)).status).toBe(404);
    const all = await allPages(await postJson<Page>(`${sandbox.url}search`, { limit: 25 }));
    const ids = all.flatMap((p) => p.features.map((f) => f.id));
    expect(ids).toHaveLength(59);
    expect(ids).not.toContain(target.id);
    expect(all[0].numberMatched).toBe(59);
    expect((await headObject(sandbox, key)).status).toBe(404);
  });

  it('draws the items a count changes from the seed: same seed and calls, same items; another seed, others', async () => {
    const draw = async (seed: number) => {
      const sandbox = await sandboxWith({ seed });
      const night = await sandbox.changeCatalog({ touch: 4, remove: 2, add: { [MONO]: 1 }, at: AT });
      const next = await sandbox.changeCatalog({ touch: 4, at: AT });
      return { night, next };
    };
    const [a, b, c] = [await draw(7), await draw(7), await draw(8)];
    expect(a).toEqual(b);
    expect(a.night.touched).toHaveLength(4);
    expect(a.night.removed).toHaveLength(2);
    expect(a.next.touched).not.toEqual(a.night.touched); // each change draws its own items
    const removedIds = new Set(a.night.removed.map((r) => r.id));
    expect(a.night.touched.some((t) => removedIds.has(t.id))).toBe(false);
    expect(c.night.touched).not.toEqual(a.night.touched);
  });

  it('filters on updated with timestamps and sorts on properties.updated then id, across pages', async () => {
    const sandbox = await sandboxWith();
    const early = await sandbox.touchItems(3, '2026-12-01T01:00:00.000Z');
    const late = await sandbox.touchItems(2, '2026-12-01T03:00:00.000Z');
    const added = await sandbox.addItems(MONO, 2, '2026-12-01T01:00:00.000Z');
    const body = { filter: byUpdated('2026-12-01T00:00:00Z'), 'filter-lang': 'cql2-json', sortby: [{ field: 'properties.updated', direction: 'asc' }, { field: 'id', direction: 'asc' }], limit: 2 };
    const pages = await allPages(await postJson<Page>(`${sandbox.url}search`, body));
    const got = pages.flatMap((p) => p.features.map((f) => f.id));
    const expected = [...[...early, ...added].map((r) => r.id).sort(), ...late.map((r) => r.id).sort()];
    expect(got).toEqual(expected);
    expect(pages[0].numberMatched).toBe(7);
    // A window closed on both sides, and GET as stac-server reads it (CQL2 JSON in the query string).
    const window = { op: 'and', args: [byUpdated('2026-12-01T00:30:00Z'), { op: '<=', args: [{ property: 'updated' }, { timestamp: '2026-12-01T02:00:00Z' }] }] };
    const get = await getJson<Page>(`${sandbox.url}search?filter-lang=cql2-json&limit=100&sortby=%2Bproperties.updated,%2Bid&filter=${encodeURIComponent(JSON.stringify(window))}`);
    expect(get.body.features.map((f) => f.id)).toEqual([...early, ...added].map((r) => r.id).sort());
  });

  it('a sorted search is sorted once and paged from that, yet a change between two pages is seen by the next', async () => {
    const sandbox = await sandboxWith();
    await sandbox.touchItems(4, '2026-12-01T01:00:00.000Z');
    const body = { filter: byUpdated('2026-12-01T00:00:00Z'), 'filter-lang': 'cql2-json', sortby: [{ field: 'properties.updated', direction: 'asc' }, { field: 'id', direction: 'asc' }], limit: 2 };
    const first = await postJson<Page>(`${sandbox.url}search`, body);
    expect(first.body.numberMatched).toBe(4);
    // Ingested again before the second page: it sorts last now, and the pages after the token hold it.
    const late = await sandbox.touchItems(1, '2026-12-01T05:00:00.000Z');
    const rest = await allPages(first);
    const ids = rest.flatMap((p) => p.features.map((f) => f.id));
    expect(ids.at(-1)).toBe(late[0].id);
    expect(rest.at(-1)!.numberMatched).toBe(5);
  });

  it('takes changes on its control route, and refuses a wrong one with a 400 naming it', async () => {
    const sandbox = await sandboxWith({ faultRate: 1, faultKinds: ['503'] }); // the control route meets no faults
    const reply = await postJson<{ updated: string; added: unknown[]; touched: unknown[]; removed: unknown[] }>(
      `${sandbox.url}_sandbox/changes`, { add: { [MONO]: 2 }, touch: 1, at: AT },
    );
    expect(reply.status).toBe(200);
    expect(reply.body.updated).toBe(AT);
    expect(reply.body.added).toHaveLength(2);
    expect(reply.body.touched).toHaveLength(1);
    expect(sandbox.catalog.size).toBe(62);
    const wrong = await postJson<{ description: string }>(`${sandbox.url}_sandbox/changes`, { add: { nowhere: 1 } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.description).toMatch(/nowhere/);
    const unknown = await postJson<{ description: string }>(`${sandbox.url}_sandbox/changes`, { tuoch: 1 });
    expect(unknown.body.description).toMatch(/unknown field tuoch/);
    expect(sandbox.catalog.size).toBe(62);
  });
});
