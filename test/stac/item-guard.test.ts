import { itemProblem, MAX_ITEM_DEPTH, sourceEntry } from '../../src/stac/item-guard.js';
import type { StacItem } from '../../src/entry.js';
import { testContext } from '../helpers/context.js';

const item = (id: string, properties: Record<string, unknown> = {}): StacItem =>
  ({ type: 'Feature', id, collection: 'c', geometry: null, properties, assets: { a: { href: 'https://h/a' } } }) as StacItem;

/** Nested arrays `depth` deep, built from text (JSON.parse is iterative; recursion here would overflow). */
const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}1${']'.repeat(depth)}`);

describe('itemProblem', () => {
  test(`items nested up to ${MAX_ITEM_DEPTH} levels pass; deeper ones are named with the path that goes too deep`, () => {
    // item (1) → properties (2) → deep (3...)
    expect(itemProblem(item('ok', { deep: nested(MAX_ITEM_DEPTH - 2) }))).toBeUndefined();
    expect(itemProblem(item('x', { deep: nested(MAX_ITEM_DEPTH - 1) }))).toBe(
      `nested deeper than ${MAX_ITEM_DEPTH} levels at properties.deep[0][0][0][0]…[0] (a STAC item needs a few; the item is refused)`,
    );
  });

  test('a 1,000,000-deep item is walked without recursion', () => {
    expect(itemProblem(item('x', { deep: nested(1_000_000) }))).toMatch(/^nested deeper than 64 levels at properties\.deep\[0\]/);
  });

  test('keys that are not identifiers are quoted in the path; prototype keys are plain keys', () => {
    const properties = JSON.parse(`{"__proto__": {"a b": ${JSON.stringify(nested(70))}}, "constructor": 1}`);
    expect(Object.getPrototypeOf(properties)).toBe(Object.prototype);
    expect(itemProblem(item('x', properties))).toMatch(/^nested deeper than 64 levels at properties\.__proto__\["a b"\]\[0\]/);
    expect(itemProblem(item('x', JSON.parse('{"__proto__": {"polluted": true}, "constructor": "x"}')))).toBeUndefined();
  });
});

describe('sourceEntry', () => {
  test('a good item becomes a new entry, as it came', () => {
    const ctx = testContext('stac_search');
    const good = item('good', { gsd: 7 });
    expect(sourceEntry(good, ctx)).toEqual({ item: good, fields: {}, files: {}, failures: [] });
    expect(ctx.stats.failures).toEqual([]);
  });

  test('a bad item becomes a failed entry (ERR_ITEM_INVALID) keeping only id and collection, counted under the source', () => {
    const ctx = testContext('stac_search');
    const entry = sourceEntry(item('deep', { deep: nested(100) }), ctx);
    expect(entry.item).toEqual({ type: 'Feature', id: 'deep', collection: 'c', geometry: null, properties: {}, assets: {} });
    expect(entry.failures).toEqual([{ stage: 'stac_search', code: 'ERR_ITEM_INVALID', message: expect.stringMatching(/^item deep: nested deeper than 64 levels at properties\.deep/) }]);
    expect(ctx.stats.failures).toMatchObject([{ item: 'deep', collection: 'c', code: 'ERR_ITEM_INVALID' }]);
    expect(ctx.stats.stage('stac_search').failed).toBe(1);
  });
});
