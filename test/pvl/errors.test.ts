import { StacflowError } from '../../src/errors.js';
import { parsePvl, PvlSyntaxError } from '../../src/pvl/index.js';

const failure = (text: string, source = 'label.pvl'): PvlSyntaxError => {
  try {
    parsePvl(text, { source });
  } catch (err) {
    if (err instanceof PvlSyntaxError) return err;
    throw err;
  }
  throw new Error(`parsed: ${JSON.stringify(text)}`);
};

describe('PvlSyntaxError', () => {
  it('is a StacflowError with a stable code that fails the item, not the run', () => {
    const err = failure('A = (1, 2');
    expect(err).toBeInstanceOf(StacflowError);
    expect(err.code).toBe('ERR_PVL_SYNTAX');
    expect(err.errorClass).toBe('item');
    expect(err.name).toBe('PvlSyntaxError');
  });

  it('says where (source, line, column), shows the line with a caret, and what was expected', () => {
    const err = failure('Object = Caminfo\n  Lines = 1024\n  Samples = (1, 2\nEnd_Object\n', 'https://example.test/x.caminfo.pvl');
    expect(err).toMatchObject({ source: 'https://example.test/x.caminfo.pvl', line: 4, column: 1, lineText: 'End_Object' });
    expect(err.expected).toEqual(['units', "','", "')'"]);
    expect(err.message).toBe(
      ["https://example.test/x.caminfo.pvl:4:1: not valid PVL: expected units, ',' or ')'", '  4 | End_Object', '    | ^'].join('\n'),
    );
  });

  it.each([
    ['A = = 5', 1, 5, 'expected a value, a statement, END or the end of the text'],
    ['Object = X\n  A = 1\nEnd_Group', 3, 1, 'expected units, END_OBJECT, a statement or END'],
    ['A = 1, 2', 1, 6, 'expected units, a statement, END or the end of the text'],
    ['Group = G\nEnd_Group = H', 2, 13, "expected the block's name 'G' after END_GROUP =, found 'H'"],
    ['A = 8#9#', 1, 7, "'9' is not a digit in base 8 (in 8#9#)"],
    ['A = "abc\nB = 1', 1, 5, 'a quoted string starts here but its " is never closed'],
    ['A = 5 <km\nB = 1', 1, 7, "units start here but '<' is never closed by '>'"],
    ['A = {1 2}', 1, 8, "expected units, ',' or '}'"],
    ['(}', 1, 1, 'expected a statement, END or the end of the text'],
  ])('%j → %i:%i %s', (text, line, column, what) => {
    const err = failure(text);
    expect([err.line, err.column]).toEqual([line, column]);
    expect(err.message.split('\n')[0]).toBe(`label.pvl:${line}:${column}: not valid PVL: ${what}`);
  });

  it('never names grammar rules, only PVL words', () => {
    const texts = ['A = = 5', 'A = (1, 2', '(}', 'foo=!', 'A = {1 2}', 'Group = G\n', 'A = 1 B C = ', 'Object = 5', 'A = 2##', 'END_GROUP'];
    for (const text of texts) {
      const { message } = failure(text);
      expect(message).not.toMatch(/Statement|Assignment|scalar|nameChar|wordEnd|basedForm|numberOrDate|Element|Sequence|Item|Value\b/);
    }
  });

  it('points at the line the user wrote, across dash continuations', () => {
    const err = failure('Path = $base/a-\n      /b.cub\nX = (1,\n  2');
    expect([err.line, err.lineText]).toEqual([4, '  2']);
  });

  it('cuts long lines around the column', () => {
    const err = failure(`A = "${'x'.repeat(300)}" (`);
    const [, shown, caret] = err.message.split('\n');
    expect(shown.length).toBeLessThan(140);
    expect(caret.indexOf('^')).toBeGreaterThan(0);
  });

  it('names the text <text> when no source is given', () => {
    expect(() => parsePvl('A = (')).toThrow(/^<text>:1:6: /);
  });
});
