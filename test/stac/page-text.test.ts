import { readFileSync } from 'node:fs';
import path from 'node:path';
import { splitFeatures } from '../../src/stac/page-text.js';

/** The split must give exactly what JSON.parse gives: the envelope without features, then each feature. */
function expectSameAsJsonParse(text: string): void {
  const split = splitFeatures(Buffer.from(text, 'utf8'));
  expect(split).toBeDefined();
  const whole = JSON.parse(text) as Record<string, unknown> & { features: unknown[] };
  expect(split!.count).toBe(whole.features.length);
  expect(split!.envelope).toEqual({ ...whole, features: [] });
  whole.features.forEach((feature, index) => expect(JSON.parse(split!.featureText(index))).toEqual(feature));
}

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/usgs');

describe('splitFeatures', () => {
  test('a real USGS ItemCollection (compact and indented) splits into the same features as JSON.parse', () => {
    const text = readFileSync(path.join(FIXTURES, 'stac/item_collection_ctx_dtm_P02_001820_1984__P06_003442_1987_2025-01.json'), 'utf8');
    expectSameAsJsonParse(text);
    expectSameAsJsonParse(JSON.stringify(JSON.parse(text)));
  });

  test('a page of real Kaguya items, with links and context before and after the features', () => {
    const items = ['TC1S2B0_01_07495N079E3030', 'TC1S2B0_01_07496N087E3020', 'TC1S2B0_01_07496N183E3021'].map((id) =>
      JSON.parse(readFileSync(path.join(FIXTURES, `stac/item_kaguya_tc_monoscopic_${id}.json`), 'utf8')),
    );
    const page = { type: 'FeatureCollection', links: [{ rel: 'next', href: 'http://x/search', body: { next: 'a,b' } }], features: items, numberMatched: 3, context: { returned: 3 } };
    expectSameAsJsonParse(JSON.stringify(page));
    expectSameAsJsonParse(JSON.stringify(page, null, 2));
  });

  test('strings with escaped quotes, backslashes, brackets and non-ASCII text do not confuse the scanner', () => {
    const features = [
      { id: 'a"]}', properties: { title: 'back\\slash\\', quote: '\\"', note: '[{,:}]' } },
      { id: 'é東京🌕', properties: { list: [[1, [2, { x: '}' }]], {}], empty: '' } },
      { id: 'n', properties: { n: -1.5e-7, t: true, f: false, z: null } },
    ];
    expectSameAsJsonParse(JSON.stringify({ features, links: [] }));
    expectSameAsJsonParse(`{ "links" : [ ] ,\n\t"features" :\r\n [ ${features.map((f) => JSON.stringify(f)).join(' ,\n ')} ] , "numberReturned" : 3 }`);
  });

  test('an empty page and a page whose only member is features', () => {
    expectSameAsJsonParse('{"type":"FeatureCollection","features":[],"links":[]}');
    expectSameAsJsonParse('{"features":[{"id":"x"}]}');
  });

  test('what it does not follow is left to JSON.parse (undefined)', () => {
    const cases = [
      '', // empty body
      '[]', // not an object
      '{"links":[]}', // no features
      '{"features":{"id":"x"}}', // features not an array
      '{"features":[{"id":"x"}],"features":[]}', // a second features key (JSON.parse keeps the last)
      '{"features":[{"id":"x"}', // cut short
      '{"features":[{"id":"x"} {"id":"y"}]}', // missing comma
      '{"features":[{"id":"x"}],"links":[}', // broken envelope
      '{"features":[{"id":"x\\"}]}', // unterminated string (the quote is escaped)
    ];
    for (const text of cases) expect(splitFeatures(Buffer.from(text))).toBeUndefined();
  });

  test('a feature that is not valid JSON is found when it is parsed, not before', () => {
    const split = splitFeatures(Buffer.from('{"features":[{"id":"ok"},{"id":tru}]}'))!;
    expect(split.count).toBe(2);
    expect(JSON.parse(split.featureText(0))).toEqual({ id: 'ok' });
    expect(() => JSON.parse(split.featureText(1))).toThrow(SyntaxError);
  });
});
