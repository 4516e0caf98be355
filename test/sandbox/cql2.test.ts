import { KAGUYA_TC_COLLECTIONS, SandboxCatalog } from '../../sandbox/index.js';

const catalog = new SandboxCatalog(9, KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: 40 })));
const entries = [...catalog.entries()];
const ids = (filter: unknown) => new Set(catalog.search({ filter }).map((m) => m.id));
const where = (test: (e: (typeof entries)[number]) => boolean) => new Set(entries.filter(test).map((e) => e.id));
const gsd = (e: (typeof entries)[number]) => catalog.item(e.collection, e.id)!.properties.gsd as number;

describe('sandbox CQL2 JSON subset', () => {
  it('between, in and like', () => {
    expect(ids({ op: 'between', args: [{ property: 'gsd' }, 8, 9] })).toEqual(where((e) => gsd(e) >= 8 && gsd(e) <= 9));
    expect(ids({ op: 'in', args: [{ property: 'id' }, [entries[3].id, entries[5].id]] })).toEqual(new Set([entries[3].id, entries[5].id]));
    expect(ids({ op: 'like', args: [{ property: 'id' }, 'TC2W%'] })).toEqual(where((e) => e.id.startsWith('TC2W')));
  });

  it('a literal on the left flips the comparison', () => {
    expect(ids({ op: '>', args: [8.5, { property: 'properties.gsd' }] })).toEqual(where((e) => gsd(e) < 8.5));
  });

  it('isNull on a property items do not have, and on one they all have', () => {
    expect(ids({ op: 'isNull', args: [{ property: 'eo:cloud_cover' }] }).size).toBe(entries.length);
    expect(ids({ op: 'isNull', args: [{ property: 'gsd' }] }).size).toBe(0);
  });

  it('s_intersects with a geometry, approximated by its bbox', () => {
    const polygon = { type: 'Polygon', coordinates: [[[0, 0], [20, 0], [20, 15], [0, 15], [0, 0]]] };
    const meets = (b: number[]) => b[0] <= 20 && b[2] >= 0 && b[1] <= 15 && b[3] >= 0;
    expect(ids({ op: 's_intersects', args: [{ property: 'geometry' }, polygon] })).toEqual(where((e) => meets(e.bbox)));
  });

  it.each([
    [{ op: 'a_contains', args: [{ property: 'missions' }, ['x']] }, 'a_contains'],
    [{ args: [] }, 'Invalid CQL2-JSON'],
    [{ op: '=', args: [{ property: 'gsd' }, { op: '+', args: [1, 2] }] }, 'expression'],
  ])('rejects %j, saying what is unsupported', (filter, words) => {
    expect(() => catalog.search({ filter })).toThrow(words);
  });
});
