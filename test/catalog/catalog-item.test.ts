import { readFileSync } from 'node:fs';
import { catalogItem, FILE_EXTENSION } from '../../src/catalog/catalog-item.js';
import { newEntry, withFailure, withFields, withFile, type StacItem } from '../../src/entry.js';

const item: StacItem = JSON.parse(readFileSync(new URL('../fixtures/usgs/stac/item_kaguya_tc_monoscopic_TC1S2B0_01_07495N079E3030.json', import.meta.url), 'utf8'));
const frozenCopy = structuredClone(item);

describe('catalogItem', () => {
  it('gives the item itself when the run added nothing', () => {
    expect(catalogItem(newEntry(item))).toBe(item);
  });

  it('adds scalar fields as stacflow: properties, dates as ISO text; leaves documents and objects out', () => {
    const entry = withFields(newEntry(item), {
      incidence_angle: 62.64846899183, target: 'MOON', ok: true, missing: null, angles: [1, 2],
      start: new Date('2009-06-07T12:50:47.869Z'), caminfo: { get: () => 1 }, group: { a: 1 },
    });
    const out = catalogItem(entry);
    expect(out.properties).toEqual({
      ...item.properties,
      'stacflow:incidence_angle': 62.64846899183, 'stacflow:target': 'MOON', 'stacflow:ok': true, 'stacflow:missing': null,
      'stacflow:angles': [1, 2], 'stacflow:start': '2009-06-07T12:50:47.869Z',
    });
    expect(item).toEqual(frozenCopy); // never changed
  });

  it('writes failures under stacflow:failures', () => {
    const entry = withFailure(newEntry(item), { stage: 'fetch_label', code: 'ERR_LABEL_HTTP', message: 'HTTP 404', href: 'https://x/y.pvl', status: 404 });
    expect(catalogItem(entry).properties['stacflow:failures']).toEqual([
      { stage: 'fetch_label', code: 'ERR_LABEL_HTTP', message: 'HTTP 404', href: 'https://x/y.pvl', status: 404 },
    ]);
  });

  it('adds file:local_path, file:size and file:checksum to downloaded assets and lists the File extension', () => {
    let entry = withFile(newEntry(item), 'image', { path: '/data/x.tif', bytes: 1234, checksum: '1220abcd', status: 'downloaded' });
    entry = withFile(entry, 'thumbnail', { path: '/data/x.jpg', bytes: 10, status: 'skipped' });
    entry = withFile(entry, 'caminfo_pvl', { path: '/data/x.pvl', bytes: 0, status: 'failed' });
    const out = catalogItem(entry);
    expect(out.assets.image).toEqual({ ...item.assets.image, 'file:local_path': '/data/x.tif', 'file:size': 1234, 'file:checksum': '1220abcd' });
    expect(out.assets.thumbnail).toEqual({ ...item.assets.thumbnail, 'file:local_path': '/data/x.jpg', 'file:size': 10 });
    expect(out.assets.caminfo_pvl).toEqual(item.assets.caminfo_pvl);
    expect(out.stac_extensions).toEqual([...(item.stac_extensions as string[]), FILE_EXTENSION]);
    expect(catalogItem({ ...entry, item: out }).stac_extensions).toEqual(out.stac_extensions); // listed once
    expect(item).toEqual(frozenCopy);
  });
});
