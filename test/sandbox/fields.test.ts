import { projectFields } from '../../sandbox/fields.js';

const item = Object.freeze({
  type: 'Feature',
  id: 'a',
  properties: Object.freeze({ datetime: 'd', gsd: 7, title: 't' }),
  geometry: null,
  links: [],
  assets: Object.freeze({ image: Object.freeze({ href: 'h', title: 'i' }) }),
  bbox: [0, 0, 1, 1],
  collection: 'c',
});

describe('sandbox fields projection', () => {
  it('starts from stac-server default set', () => {
    expect(projectFields(item, { include: [], exclude: [] })).toEqual({ ...item, properties: { datetime: 'd' } });
  });

  it('adds included paths and removes excluded ones, without touching the item', () => {
    const out = projectFields(item, { include: ['properties.gsd', 'properties.title'], exclude: ['assets.image.title', 'bbox'] });
    expect(out.properties).toEqual({ datetime: 'd', gsd: 7, title: 't' });
    expect(out.assets).toEqual({ image: { href: 'h' } });
    expect(out).not.toHaveProperty('bbox');
    expect(item.assets.image).toEqual({ href: 'h', title: 'i' });
  });

  it('keeps type even when excluded', () => {
    expect(projectFields(item, { include: [], exclude: ['type'] }).type).toBe('Feature');
  });
});
