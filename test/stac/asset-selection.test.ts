import type { StacItem } from '../../src/entry.js';
import { selectAssets } from '../../src/stac/asset-selection.js';

const item = {
  type: 'Feature',
  id: 'x',
  geometry: null,
  properties: {},
  assets: {
    thumbnail: { href: 'https://h/t.png', roles: ['thumbnail'] },
    image: { href: 'https://h/i.tif', roles: ['data'] },
    caminfo_pvl: { href: 'https://h/c.pvl', roles: ['metadata'] },
    isd: { href: 'https://h/i.json', roles: ['metadata', 'data'] },
    empty: { href: '', roles: ['data'] },
  },
} as unknown as StacItem;

test('listed keys first, in the order given, then the other assets with a role, in the item order; each once', () => {
  expect(selectAssets(item, { assets: ['caminfo_pvl', 'image'], roles: ['data'] })).toEqual({ keys: ['caminfo_pvl', 'image', 'isd'], missing: [] });
  expect(selectAssets(item, { roles: ['metadata'] })).toEqual({ keys: ['caminfo_pvl', 'isd'], missing: [] });
});

test('listed keys the item lacks, or whose href is empty, are missing; role matches without an href are left out', () => {
  expect(selectAssets(item, { assets: ['image', 'provenance', 'empty'] })).toEqual({ keys: ['image'], missing: ['provenance', 'empty'] });
  expect(selectAssets(item, { roles: ['data'] }).keys).toEqual(['image', 'isd']);
  expect(selectAssets({ ...item, assets: undefined } as unknown as StacItem, { assets: ['image'] })).toEqual({ keys: [], missing: ['image'] });
});
