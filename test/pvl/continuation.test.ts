import { JoinedLineIndex, joinContinuations, LineIndex } from '../../src/pvl/continuation.js';

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

/** JoinedLineIndex: source lines for offsets of the joined text, counted without mapping each offset back. */
describe('JoinedLineIndex', () => {
  // Continuations at the start of a line, with \r\n, with blank lines and tabs after them, and at the very end.
  const source = 'A = /a-\n   /b\n-\nB = 1-\r\n\n\t 2\nC = "x\ny-\n"\n\nD = 3-\n';
  const joined = joinContinuations(source);
  const expected = (offset: number): number => new LineIndex(source).lineOf(joined.toSource(offset));
  const offsets = Array.from({ length: joined.text.length + 1 }, (_, i) => i);

  it('gives the line of the source offset toSource maps to, asked forward', () => {
    const lines = new JoinedLineIndex(source, joined.text);
    expect(joined.text).not.toBe(source);
    expect(offsets.map((offset) => lines.lineOf(offset))).toEqual(offsets.map(expected));
  });

  it('gives the same lines asked backward and out of order', () => {
    const lines = new JoinedLineIndex(source, joined.text);
    const order = [...[...offsets].reverse(), 7, 3, 20, 0, 14];
    expect(order.map((offset) => lines.lineOf(offset))).toEqual(order.map(expected));
  });

  it('moves its count where a parser says, by the line feeds of the joined text it saw', () => {
    const lines = new JoinedLineIndex(source, joined.text);
    const bLine = joined.text.indexOf('B');
    lines.advance(bLine, 1); // `A = /a/b\n`: the one line feed left after joining
    expect(lines.at).toBe(bLine);
    expect(lines.lineOf(bLine)).toBe(expected(bLine));
    const d = joined.text.indexOf('D');
    expect(lines.lineOf(d)).toBe(expected(d));
  });
});
