import { LineIndex } from '../../src/pvl/continuation.js';

/** LineIndex: the forward line count the parsers share, and what a parser tells it of the line feeds it skipped. */
describe('LineIndex', () => {
  const text = 'a\nbb\n\nccc\nd';

  it('answers lines forward, backward and at the same offset again', () => {
    const lines = new LineIndex(text);
    expect([9, 9, 0, 2, 6, 11, 5].map((offset) => lines.lineOf(offset))).toEqual([4, 4, 1, 2, 4, 5, 3]);
  });

  it('moves its count where a caller says, by the line feeds it saw, then answers from there', () => {
    const lines = new LineIndex(text);
    expect(lines.lineOf(2)).toBe(2);
    lines.advance(6, 2); // `bb\n\n`: two line feeds
    expect(lines.at).toBe(6);
    expect(lines.lineOf(6)).toBe(4);
    expect(lines.lineOf(11)).toBe(5);
    expect(lines.lineOf(3)).toBe(2);
    lines.advance(4, 0); // `b`: none
    expect(lines.lineOf(4)).toBe(2);
    expect(lines.lineOf(7)).toBe(4);
  });

  it('gives line and column', () => {
    expect(new LineIndex(text).locate(8)).toEqual({ line: 4, column: 3 });
  });
});
