import { CollectionSyntaxError, FeatureCollectionSplitter, type FeatureText } from '../../src/catalog/feature-collection-splitter.js';

/** Splits `text` fed in chunks of `size` bytes (or at the given cut points); the features as parsed values. */
function split(text: string, cuts: number[], maxBytes = 1 << 20): { features: Array<unknown>; lines: number[]; splitter: FeatureCollectionSplitter } {
  const bytes = Buffer.from(text, 'utf8');
  const splitter = new FeatureCollectionSplitter(maxBytes);
  const texts: FeatureText[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    texts.push(...splitter.push(bytes.subarray(from, cut)));
    from = cut;
  }
  splitter.end();
  return { features: texts.map((t) => (t.bytes === undefined ? 'TOO LONG' : JSON.parse(t.bytes.toString('utf8')))), lines: texts.map((t) => t.line), splitter };
}

// Strings with what a scanner can trip on: escaped quotes and backslashes, brackets, commas, non-ASCII.
const TRICKY = [
  { type: 'Feature', id: 'a"b\\', properties: { note: 'x ] } [ { , : "', path: 'C:\\\\dir\\\\', moon: 'Mond 月 🌕' }, geometry: null, assets: {} },
  { type: 'Feature', id: 'n', properties: { list: [[1, 2], [], {}], t: true, f: false, z: null, e: -1.5e-7 }, geometry: { type: 'Point', coordinates: [1, 2] }, assets: {} },
  { type: 'Feature', id: 'end\\"', properties: {}, geometry: null, assets: {} },
];
const DOC = `{ "bbox" : [1, 2, 3, 4], "numberMatched": 3,\n  "type":"FeatureCollection" , "features" :\n [ ${TRICKY.map((f) => JSON.stringify(f, null, 1)).join(' ,\n')} ] ,\n "links": [{"rel": "next", "href": "x\\"]"}], "flag": true }\n`;

describe('FeatureCollectionSplitter', () => {
  it('cuts out every feature, whatever its strings hold, and reads the top-level type', () => {
    const { features, splitter } = split(DOC, []);
    expect(features).toEqual(TRICKY);
    expect(splitter.topType).toBe('FeatureCollection');
  });

  it('gives the same features for the document cut into two chunks at every byte, and into 1-byte chunks', () => {
    const length = Buffer.byteLength(DOC);
    for (let cut = 1; cut < length; cut += 1) expect(split(DOC, [cut]).features).toEqual(TRICKY);
    expect(split(DOC, Array.from({ length: length - 1 }, (_, i) => i + 1)).features).toEqual(TRICKY);
  });

  it('tells the line each feature starts on', () => {
    const text = '{"type": "FeatureCollection", "features": [\n{"id": 1},\n\n  {"id": 2}, {"id": 3}\n]}';
    expect(split(text, [5, 47]).lines).toEqual([2, 4, 4]);
  });

  it('follows a feature longer than the limit to its end without holding it', () => {
    const text = `{"type": "FeatureCollection", "features": [{"pad": "${'x'.repeat(5000)}"}, {"id": 2}]}`;
    expect(split(text, [100, 2000, 4000], 1000).features).toEqual(['TOO LONG', { id: 2 }]);
  });

  it('reads an empty collection, and one with a primitive member last', () => {
    expect(split('{"type": "FeatureCollection", "features": []}', [3]).features).toEqual([]);
    expect(split('{"features": [], "type": "FeatureCollection", "n": 12}', [52]).splitter.topType).toBe('FeatureCollection');
  });

  it.each([
    ['{"type": "FeatureCollection", "features": [{}, ]}', "expected a feature at line 1, column 48, found ']'"],
    ['{"type": "FeatureCollection", "features": [{},, {}]}', "expected a feature at line 1, column 47, found ','"],
    ['{"type": "FeatureCollection", "features": [{}}', "expected ',' or ']' after features[0] at line 1, column 46, found '}'"],
    ['{"type" "FeatureCollection"}', "expected ':' at line 1, column 9, found '\"'"],
    ['{type: 1}', 'expected a member name in quotes at line 1, column 2, found \'t\''],
    ['{"features": [{"a": 1}', 'the JSON ends too early (line 1), after 1 features'],
  ])('refuses %s', (text, message) => {
    expect(() => split(text, [])).toThrow(CollectionSyntaxError);
    expect(() => split(text, [])).toThrow(message);
  });
});
