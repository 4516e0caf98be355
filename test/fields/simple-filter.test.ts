import { readFileSync } from 'node:fs';
import { newEntry, withFields, type Entry, type StacItem } from '../../src/entry.js';
import { compileSimpleFilter, FilterSyntaxError, parseInstant, parseSimpleFilter } from '../../src/fields/simple-filter.js';

const item: StacItem = JSON.parse(
  readFileSync(new URL('../fixtures/usgs/stac/item_kaguya_tc_monoscopic_TC1S2B0_01_07496N087E3020.json', import.meta.url), 'utf8'),
);
// incidence_angle as select would give it from this item's caminfo.pvl.
const entry: Entry = withFields(newEntry(item), { incidence_angle: 62.548768944137, night: false, note: null });
const matches = (expression: string, from: Entry = entry): boolean => compileSimpleFilter(expression)(from);

describe('parseSimpleFilter', () => {
  it('parses comparisons joined by AND, in any case', () => {
    const parsed = parseSimpleFilter(`incidence_angle<80 and gsd >= 7.5 AND collection == 'kaguya' And proj:epsg <> null`);
    expect(parsed.clauses.map((c) => [c.path.text, c.op, c.literal, c.column])).toEqual([
      ['incidence_angle', '<', { kind: 'number', value: 80 }, 1],
      ['gsd', '>=', { kind: 'number', value: 7.5 }, 24],
      ['collection', '=', { kind: 'string', value: 'kaguya' }, 39],
      ['proj:epsg', '!=', { kind: 'null' }, 66],
    ]);
  });

  it('reads quoted strings with doubled quotes, and bare date-times', () => {
    const [a, b, c] = parseSimpleFilter(`title = 'it''s' AND title != "say ""hi""" AND datetime > 2009-06-07T14:00:00Z`).clauses;
    expect(a.literal).toEqual({ kind: 'string', value: "it's" });
    expect(b.literal).toEqual({ kind: 'string', value: 'say "hi"' });
    expect(c.literal).toEqual({ kind: 'datetime', text: '2009-06-07T14:00:00Z', micros: Date.UTC(2009, 5, 7, 14) * 1000 });
  });

  it.each([
    ['incidence_angle < ', "expected a literal after '<' at column 19"],
    ['', 'the expression is empty: write comparisons such as incidence_angle < 80 at column 1'],
    ['< 80', "expected a field path, found '<' at column 1"],
    ['incidence_angle', "expected an operator (=, !=, <, <=, >, >=) after 'incidence_angle' at column 16"],
    ['incidence_angle ~ 80', "expected an operator (=, !=, <, <=, >, >=) after 'incidence_angle', found '~' at column 17"],
    ['a < 80 b > 1', "expected AND or the end of the expression, found 'b' at column 8"],
    ['a < 80 OR b > 1', "expected AND or the end of the expression, found 'OR' (OR is not supported: use one pipeline step per alternative) at column 8"],
    ['a < 80 AND', 'expected a comparison after AND at column 11'],
    ['a < 80 AND ', 'expected a comparison after AND at column 12'],
    ["title = 'open", 'unterminated string (add the closing \') at column 9'],
    ['title = kaguya', "expected a literal after '=', found 'kaguya' (quote text: 'kaguya') at column 9"],
    ["title = 'a'b", "expected a space after the string, found 'b' at column 12"],
    ['a < null', "'<' cannot compare with null: use = or != at column 3"],
    ['a >= true', "'>=' cannot compare with true/false: use = or != at column 3"],
    ['datetime > 2009-02-30', "'2009-02-30' is not a valid ISO date or date-time at column 12"],
    ['caminfo..x < 1', "invalid field path 'caminfo..x': expected a name, found '.' at column 9"],
    ['a < 1 AND caminfo..x < 1', "invalid field path 'caminfo..x': expected a name, found '.' at column 19"],
  ])('rejects %j: %s', (expression, message) => {
    expect(() => parseSimpleFilter(expression)).toThrow(FilterSyntaxError);
    expect(() => parseSimpleFilter(expression)).toThrow(message);
  });

  it('gives the column of the error on the error', () => {
    expect.assertions(2);
    try {
      parseSimpleFilter('incidence_angle < ');
    } catch (err) {
      expect((err as FilterSyntaxError).column).toBe(19);
      expect((err as FilterSyntaxError).code).toBe('ERR_FILTER_SYNTAX');
    }
  });
});

describe('compileSimpleFilter', () => {
  it('compares numbers', () => {
    expect(matches('incidence_angle < 80')).toBe(true);
    expect(matches('incidence_angle > 80')).toBe(false);
    expect(matches('gsd = 7.6508919736877')).toBe(true);
    expect(matches('gsd <= 7.6508919736877 AND gsd >= 7.6508919736877')).toBe(true);
    expect(matches('view:sun_elevation != 7')).toBe(true);
  });

  it('needs every comparison joined by AND to hold', () => {
    expect(matches('incidence_angle < 80 AND gsd < 7')).toBe(false);
  });

  it('compares strings exactly', () => {
    expect(matches("collection = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations'")).toBe(true);
    expect(matches("collection = 'KAGUYA_terrain_camera_monoscopic_uncontrolled_observations'")).toBe(false);
    expect(matches("id > 'TC1S2B0_01_07496N000'")).toBe(true);
  });

  it('compares booleans', () => {
    expect(matches('night = false')).toBe(true);
    expect(matches('night != false')).toBe(false);
  });

  it('never matches a missing or null value, whatever the op', () => {
    for (const op of ['=', '!=', '<', '>']) {
      expect(matches(`nothing ${op} 1`)).toBe(false);
      expect(matches(`proj:epsg ${op} 4326`)).toBe(false);
    }
  });

  it('tests for missing or null with = null and != null', () => {
    expect(matches('proj:epsg = null')).toBe(true);
    expect(matches('nothing = null')).toBe(true);
    expect(matches('note = null')).toBe(true);
    expect(matches('gsd = null')).toBe(false);
    expect(matches('gsd != null')).toBe(true);
  });

  it('does not match values of another type than the literal, whatever the op', () => {
    expect(matches("gsd = '7.6508919736877'")).toBe(false);
    expect(matches("gsd != 'x'")).toBe(false);
    expect(matches('id != 3')).toBe(false);
    expect(matches('night != 0')).toBe(false);
    expect(matches('gsd > 2009-01-01')).toBe(false);
  });

  it('compares date-time strings as instants, to the microsecond', () => {
    expect(matches('datetime >= 2009-06-07')).toBe(true);
    expect(matches('datetime < 2009-06-07T14:42:56.305176Z')).toBe(true);
    expect(matches('datetime = 2009-06-07T14:42:56.305175Z')).toBe(true);
    expect(matches('datetime = 2009-06-07T16:42:56.305175+02:00')).toBe(true);
    expect(matches('datetime > 2009-06-07T14:42:56.305175Z')).toBe(false);
  });

  it('does not match a string that is not a date-time against a date-time', () => {
    expect(matches('id > 2009-06-07')).toBe(false);
  });

  it('compares Date values as instants', () => {
    const dated = withFields(entry, { run_date: new Date('2023-08-23T19:23:40Z') });
    expect(matches('run_date > 2023-08-23T19:23:39Z', dated)).toBe(true);
  });
});

describe('parseInstant', () => {
  it('reads STAC and ISIS date-times (no zone is UTC; seven digits are cut to microseconds)', () => {
    expect(parseInstant('2009-06-07T14:42:56.305175Z')).toBe(Date.UTC(2009, 5, 7, 14, 42, 56) * 1000 + 305175);
    expect(parseInstant('2009-06-07T14:42:56.3051759')).toBe(Date.UTC(2009, 5, 7, 14, 42, 56) * 1000 + 305175);
    expect(parseInstant('2009-06-07')).toBe(Date.UTC(2009, 5, 7) * 1000);
    expect(parseInstant('2009-06-07T14:42-03:30')).toBe(Date.UTC(2009, 5, 7, 18, 12) * 1000);
  });

  it('rejects what is not a date', () => {
    for (const text of ['2009-13-01', '2009-06-31', '2009-06-07T25:00:00Z', '2009-06-07Z', 'June 7', '7.65']) {
      expect(parseInstant(text)).toBeUndefined();
    }
  });
});
