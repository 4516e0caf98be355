import { parsePvl, type CanonicalValue, type PvlValue } from '../../src/pvl/index.js';

/** The canonical JSON of a text's statements (see canonical.ts), the form the corpus is compared in. */
const canonical = (text: string): unknown => parsePvl(text).toCanonical().module;
/** The model value of the only assignment in `text`. */
const valueOf = (text: string): PvlValue => {
  const [st] = parsePvl(text).statements;
  if (st?.type !== 'assignment') throw new Error(`not an assignment: ${text}`);
  return st.value;
};
const canonicalValue = (text: string): CanonicalValue => (parsePvl(`X = ${text}`).toCanonical().module[0] as [string, CanonicalValue])[1];

describe('parsePvl: blocks', () => {
  it('reads OBJECT and GROUP blocks in any spelling, with or without the name repeated at the end', () => {
    const text = [
      'Object = IsisCube',
      '  Group = Dimensions',
      '    Samples = 1024',
      '  End_Group',
      '  BEGIN_GROUP = Pixels; Type = Real; END_GROUP = Pixels;',
      '  Group = Isis',
      '  EndGroup',
      'End_Object = IsisCube',
      'BEGIN_OBJECT = Table',
      'EndObject',
      'end',
    ].join('\n');
    expect(canonical(text)).toEqual([
      ['IsisCube', { object: [['Dimensions', { group: [['Samples', { int: '1024' }]] }], ['Pixels', { group: [['Type', 'Real']] }], ['Isis', { group: [] }]] }],
      ['Table', { object: [] }],
    ]);
  });

  it('keeps names as written and records the line of each statement', () => {
    const doc = parsePvl('\n^IMAGE = 12\nGroup = Caminfo\n  ISIS:KEY = 1\nEnd_Group\n');
    expect(doc.statements.map((s) => [s.name, s.line])).toEqual([['^IMAGE', 2], ['Caminfo', 3]]);
    const group = doc.statements[1];
    expect(group.type === 'group' && group.statements[0]).toMatchObject({ name: 'ISIS:KEY', line: 4 });
  });

  it('keeps repeated names in order', () => {
    expect(canonical('Translation = (a, b)\nTranslation = (c, d)')).toEqual([
      ['Translation', ['a', 'b']],
      ['Translation', ['c', 'd']],
    ]);
  });

  it('reads a quoted block name (ISIS writes Group = "Left Side")', () => {
    expect(canonical('Group = "Left Side"\n  A = 1\nEnd_Group')).toEqual([['Left Side', { group: [['A', { int: '1' }]] }]]);
  });

  it('closes blocks still open at END (labels cut short)', () => {
    expect(canonical('OBJECT = TABLE\n  ROWS = 1\nEND\nEND_OBJECT')).toEqual([['TABLE', { object: [['ROWS', { int: '1' }]] }]]);
  });
});

describe('parsePvl: statements', () => {
  it('reads nothing after END: a label followed by binary data parses', () => {
    expect(canonical('A = 1\nEND\n\u0000\u0001garbage = = (')).toEqual([['A', { int: '1' }]]);
  });

  it('skips /* */ and # comments, and accepts ; between statements', () => {
    expect(canonical('/* header\n spanning lines */ A = 1; # a comment\nB = /* inline */ 2;')).toEqual([
      ['A', { int: '1' }],
      ['B', { int: '2' }],
    ]);
  });

  it('ends an ISIS comment line that has no */ at its line end', () => {
    expect(canonical('A = 1\n/* Radiometric equation in moccal\nB = 2')).toEqual([
      ['A', { int: '1' }],
      ['B', { int: '2' }],
    ]);
  });

  it('gives KEY = with no value an empty value, whatever follows', () => {
    expect(canonical('A =\nB = 2\nC =\nGroup = G\nD =\nEnd_Group\nE =')).toEqual([
      ['A', { empty: 1 }],
      ['B', { int: '2' }],
      ['C', { empty: 3 }],
      ['G', { group: [['D', { empty: 5 }]] }],
      ['E', { empty: 7 }],
    ]);
  });

  it('reads an ISIS keyword alone on its line as an empty value', () => {
    expect(canonical('Group = T\n  Auto\n  Optional # why\n  InputKey = X\nEnd_Group')).toEqual([
      ['T', { group: [['Auto', { empty: 2 }], ['Optional', { empty: 3 }], ['InputKey', 'X']] }],
    ]);
  });

  it('accepts NULL, TRUE and FALSE as names', () => {
    expect(canonical('NULL = TRUE')).toEqual([['NULL', true]]);
  });
});

describe('parsePvl: numbers', () => {
  it.each([
    ['42', { int: '42' }],
    ['-75', { int: '-75' }],
    ['+007', { int: '7' }],
    ['16#-4B#', { int: '-75' }],
    ['-16#4B#', { int: '-75' }],
    ['2#1010#', { int: '10' }],
    ['8#777#', { int: '511' }],
    ['123456789012345678901234567890', { int: '123456789012345678901234567890' }],
    ['123.', { real: 123 }],
    ['-.9981', { real: -0.9981 }],
    ['-1.E-3', { real: -0.001 }],
    ['6.02e23', { real: 6.02e23 }],
    ['1e5', { real: 100000 }],
    ['1.79769313486232e+308', { real: 'inf' }],
  ])('reads %s', (text, expected) => {
    expect(canonicalValue(text)).toEqual(expected);
  });

  it('keeps the exact digits of integers and the text of reals', () => {
    expect(valueOf('A = 16#-4B#')).toEqual({ type: 'integer', value: -75, decimal: '-75' });
    expect(valueOf('A = -1.E-3')).toEqual({ type: 'real', value: -0.001, text: '-1.E-3' });
  });

  it.each(['1.5.2', '5-3', '12abc', '1_000', '1:1'])('reads %s as a symbol, not a number', (text) => {
    expect(valueOf(`A = ${text}`)).toEqual({ type: 'string', value: text, quoted: false });
  });
});

describe('parsePvl: strings and symbols', () => {
  it.each(['$base/kernels/lsk/naif0012.tls', 'LT+S', 'N/A', 'UNK', 'MOC-WA', '*'])('reads the unquoted symbol %s', (text) => {
    expect(valueOf(`A = ${text}`)).toEqual({ type: 'string', value: text, quoted: false });
  });

  it('folds white space runs in quoted strings, in both quotes', () => {
    expect(valueOf('A = "  Add a\n      line  "')).toEqual({ type: 'string', value: 'Add a line', quoted: true });
    expect(canonicalValue("'single  quoted'")).toBe('single quoted');
  });

  it('joins lines continued with a dash, quoted or not (as ISIS writes long values)', () => {
    expect(canonical('Path = $base/calibration-\n      /darkcurrent/x.cub\nName = "Jupi-\n   ter"\nUrl = spicei-\n nit.cgi')).toEqual([
      ['Path', '$base/calibration/darkcurrent/x.cub'],
      ['Name', 'Jupiter'],
      ['Url', 'spiceinit.cgi'],
    ]);
  });

  it('reads TRUE, FALSE and NULL in any case', () => {
    expect(canonical('A = true\nB = False\nC = null\nD = "NULL"')).toEqual([
      ['A', true],
      ['B', false],
      ['C', null],
      ['D', 'NULL'],
    ]);
  });
});

describe('parsePvl: units, sequences and sets', () => {
  it('reads units on a value, trimmed', () => {
    expect(canonicalValue('9.81 < M/S/S >')).toEqual({ value: { real: 9.81 }, units: 'M/S/S' });
    expect(canonicalValue('30 <KM/SEC/SEC>')).toEqual({ value: { int: '30' }, units: 'KM/SEC/SEC' });
  });

  it('reads units on sequence items and on whole sequences', () => {
    expect(canonicalValue('(1 <DEG>, 2 <DEG>)')).toEqual([
      { value: { int: '1' }, units: 'DEG' },
      { value: { int: '2' }, units: 'DEG' },
    ]);
    expect(canonicalValue('(1, 2) <DEG>')).toEqual({ value: [{ int: '1' }, { int: '2' }], units: 'DEG' });
  });

  it('reads nested and empty sequences', () => {
    expect(canonicalValue('((1, 2), (a, "b c"), ())')).toEqual([[{ int: '1' }, { int: '2' }], ['a', 'b c'], []]);
  });

  it('reads sets, de-duplicated and sorted in canonical JSON, in written order in the model', () => {
    expect(canonicalValue('{b, a, 1, 1.0, TRUE}')).toEqual({ set: ['a', 'b', { int: '1' }] });
    const set = valueOf('A = {b, a}');
    expect(set).toEqual({ type: 'set', items: [{ type: 'string', value: 'b', quoted: false }, { type: 'string', value: 'a', quoted: false }] });
  });

  it('reads reserved words inside sequences as symbols (ISIS OutputPosition)', () => {
    expect(canonicalValue('(Object, IsisCube, Group, Instrument)')).toEqual(['Object', 'IsisCube', 'Group', 'Instrument']);
  });
});

describe('parsePvl: dates and times', () => {
  it.each([
    ['1990-06-07', { date: '1990-06-07' }],
    ['1990-158', { date: '1990-06-07' }],
    ['2000-366', { date: '2000-12-31' }],
    ['12:00', { time: '12:00:00+00:00' }],
    ['01:10:39.4575+07', { time: '01:10:39.457500+07:00' }],
    ['2001-01-01T01:10:39+7', { datetime: '2001-01-01T01:10:39+07:00' }],
    ['2001-001T01:10:39.000Z', { datetime: '2001-01-01T01:10:39+00:00' }],
    ['2009-06-07T14:00:01-0830', { datetime: '2009-06-07T14:00:01-08:30' }],
    ['1977-07-09T20:05:51.5549999', { datetime: '1977-07-09T20:05:51.554999+00:00' }],
  ])('reads %s', (text, expected) => {
    expect(canonicalValue(text)).toEqual(expected);
  });

  it('keeps the text and the exact fraction in the model (7 digits stay 7)', () => {
    expect(valueOf('A = 1977-07-09T20:05:51.5549999')).toEqual({
      type: 'datetime',
      text: '1977-07-09T20:05:51.5549999',
      iso: '1977-07-09T20:05:51.5549999',
    });
    expect(valueOf('A = 1995-360T14:02:13.0123456Z')).toEqual({
      type: 'datetime',
      text: '1995-360T14:02:13.0123456Z',
      iso: '1995-12-26T14:02:13.0123456Z',
      zone: 'Z',
    });
  });

  it.each(['2001-02-30', '2001-366', '7293-024/01', '0000-01-01'])('reads %s (not a real date) as a symbol', (text) => {
    expect(valueOf(`A = ${text}`)).toEqual({ type: 'string', value: text, quoted: false });
  });
});
