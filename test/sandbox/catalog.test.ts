import { readFileSync } from 'node:fs';
import { KAGUYA_TC_COLLECTIONS, SandboxCatalog, startSandbox } from '../../sandbox/index.js';
import { getJson, type Page } from './http.js';

const REAL_ITEM = JSON.parse(readFileSync(
  new URL('../fixtures/usgs/stac/item_kaguya_tc_monoscopic_TC1S2B0_01_07496N087E3020.json', import.meta.url), 'utf8',
)) as { properties: Record<string, unknown>; assets: Record<string, { href: string }> } & Record<string, unknown>;
const specs = (items: number) => KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items }));
const summary = (catalog: SandboxCatalog) => [...catalog.entries()].map((e) => `${e.collection}/${e.id}/${e.datetime}/${e.bbox.join(',')}`);

describe('sandbox catalog', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = summary(new SandboxCatalog(11, specs(40)));
    expect(summary(new SandboxCatalog(11, specs(40)))).toEqual(a);
    const b = summary(new SandboxCatalog(12, specs(40)));
    expect(b).not.toEqual(a);
    expect(new Set([...a, ...b]).size).toBe(a.length + b.length);
  });

  it('serves items identical for the same seed, down to every property', () => {
    const one = new SandboxCatalog(5, specs(10));
    const two = new SandboxCatalog(5, specs(10));
    for (const { collection, id } of one.entries()) expect(two.item(collection, id)).toEqual(one.item(collection, id));
  });

  it('holds the requested number of items per collection, with unique ids', () => {
    const catalog = new SandboxCatalog(1, [{ id: KAGUYA_TC_COLLECTIONS[0], items: 5 }, { id: 'sandbox_extra_observations', items: 17 }]);
    const entries = [...catalog.entries()];
    expect(entries.filter((e) => e.collection === 'sandbox_extra_observations').length).toBe(17);
    expect(catalog.size).toBe(22);
    expect(new Set(entries.map((e) => e.id)).size).toBe(22);
  });

  it('makes items shaped as the real USGS item: same keys in order, same asset keys and href form', () => {
    const catalog = new SandboxCatalog(2, specs(5));
    for (const { collection, id } of catalog.entries()) {
      const item = catalog.item(collection, id)! as unknown as typeof REAL_ITEM;
      expect(Object.keys(item)).toEqual(Object.keys(REAL_ITEM));
      expect(Object.keys(item.properties)).toEqual(Object.keys(REAL_ITEM.properties));
      expect(Object.keys(item.assets)).toEqual(Object.keys(REAL_ITEM.assets));
      const kind = collection.split('_')[3];
      for (const [key, asset] of Object.entries(item.assets)) {
        const real = REAL_ITEM.assets[key].href.split('TC1S2B0_01_07496N087E3020').join(id).replace('/monoscopic/', `/${kind}/`);
        expect(asset.href).toBe(real);
        expect(asset.href).toMatch(new RegExp(`^https://astrogeo-ard\\.s3-us-west-2\\.amazonaws\\.com/moon/kaguya/terrain_camera/${kind}/uncontrolled/${id}/`));
      }
      expect(item.properties.title).toBe(id);
      expect(item.properties.datetime).toBe(item.properties.start_datetime);
      expect(item.properties['proj:bbox']).toEqual(item.bbox);
    }
  });

  it('writes ids that name the footprint centre, as the real ones (N087E3020 = 8.7°N, 302.0°E)', () => {
    const catalog = new SandboxCatalog(3, specs(30));
    for (const { id, bbox, collection } of catalog.entries()) {
      const [, mode, lat, lon] = /^TC[12]([SW])2B0_01_\d{5,}([NS]\d{3})E(\d{4})$/.exec(id)!;
      expect(mode).toBe(collection.includes('stereoscopic') ? 'W' : 'S');
      const centreLat = (bbox[1] + bbox[3]) / 2;
      expect(Number(lat.slice(1)) / 10).toBeCloseTo(Math.abs(centreLat), 0);
      expect(lat[0]).toBe(centreLat < 0 ? 'S' : 'N');
      expect(Number(lon) / 10).toBeCloseTo(((bbox[0] + bbox[2]) / 2 + 360) % 360, 0);
    }
  });

  it('keeps the footprint geometry inside its bbox, touching every side', () => {
    const catalog = new SandboxCatalog(4, specs(5));
    for (const { collection, id, bbox } of catalog.entries()) {
      const ring = (catalog.item(collection, id)!.geometry as { coordinates: number[][][] }).coordinates[0];
      const xs = ring.map((p) => p[0]);
      const ys = ring.map((p) => p[1]);
      expect([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)].map((v) => v.toFixed(9))).toEqual(bbox.map((v) => v.toFixed(9)));
    }
  });

  it('matches tens of items in the tutorial box [3, 4, 5, 6] with default sizes, and many more in a large box', () => {
    const catalog = new SandboxCatalog(42, specs(2000));
    const tutorial = catalog.search({ bbox: [3, 4, 5, 6] }).length;
    expect(tutorial).toBeGreaterThanOrEqual(20);
    expect(tutorial).toBeLessThan(100);
    expect(catalog.search({ bbox: [-10, -10, 20, 15] }).length).toBeGreaterThan(2000);
  });
});

describe('a 200,000-item sandbox', () => {
  it('starts and serves a page', async () => {
    const sandbox = await startSandbox({ itemsPerCollection: 70_000 });
    try {
      expect(sandbox.catalog.size).toBe(210_000);
      const { status, body } = await getJson<Page>(`${sandbox.url}search?bbox=3,4,5,6&limit=5`);
      expect(status).toBe(200);
      expect(body.numberReturned).toBe(5);
      expect(body.numberMatched).toBe(sandbox.catalog.search({ bbox: [3, 4, 5, 6] }).length);
      const last = body.features[4];
      expect((await getJson(`${sandbox.url}collections/${last.collection}/items/${last.id}`)).status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });
});
