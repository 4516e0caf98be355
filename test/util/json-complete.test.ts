import { jsonLooksComplete } from '../../src/util/json-complete.js';

const complete = (text: string) => jsonLooksComplete(Buffer.from(text));

describe('jsonLooksComplete', () => {
  const doc = JSON.stringify({ type: 'FeatureCollection', features: [{ id: 'a "quoted" }] id', properties: { s: 'back\\slash', n: [1, [2, {}]] } }], links: [] });

  it('calls a whole object or array whole, with white space around it', () => {
    expect(complete(doc)).toBe(true);
    expect(complete(`  \n${doc}\r\n `)).toBe(true);
    expect(complete('[1, {"a": "]"}]')).toBe(true);
  });

  it('calls every strict prefix of a document cut, brackets and quotes inside strings ignored', () => {
    for (let n = 0; n < doc.length; n += 1) expect([n, complete(doc.slice(0, n))]).toEqual([n, false]);
  });

  it('counts multi-byte UTF-8 and escaped quotes as string content', () => {
    const text = JSON.stringify({ name: 'Tycho \\"crater\\" — 月 {[' });
    expect(complete(text)).toBe(true);
    const bytes = Buffer.from(text);
    expect(jsonLooksComplete(bytes.subarray(0, bytes.length - 1))).toBe(false);
  });

  it('leaves what it cannot judge to the parser: scalars whole, text after the close whole', () => {
    expect(complete('42')).toBe(true);
    expect(complete('"text')).toBe(true);
    expect(complete('{} trailing')).toBe(true);
    expect(complete('')).toBe(false);
  });
});
