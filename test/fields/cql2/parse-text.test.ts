import { Cql2Error, parseCql2Text, toCql2Json } from '../../../src/fields/cql2/index.js';

const json = (text: string) => toCql2Json(parseCql2Text(text));
const errorOf = (text: string, where?: string): Cql2Error => {
  try {
    parseCql2Text(text, where);
  } catch (err) {
    if (err instanceof Cql2Error) return err;
    throw err;
  }
  throw new Error(`parsed: ${text}`);
};

describe('parseCql2Text', () => {
  it('reads a field path as a property name, so label values and selected fields are filters', () => {
    expect(json('caminfo.Caminfo.Geometry.IncidenceAngle < 80 AND gsd <= 10')).toEqual({
      op: 'and',
      args: [
        { op: '<', args: [{ property: 'caminfo.Caminfo.Geometry.IncidenceAngle' }, 80] },
        { op: '<=', args: [{ property: 'gsd' }, 10] },
      ],
    });
  });

  it('matches keywords in any case and gives AND precedence over OR', () => {
    expect(json('a = 1 or b = 2 AnD NOT c')).toEqual({
      op: 'or',
      args: [{ op: '=', args: [{ property: 'a' }, 1] }, { op: 'and', args: [{ op: '=', args: [{ property: 'b' }, 2] }, { op: 'not', args: [{ property: 'c' }] }] }],
    });
  });

  it('reads quoted property names, doubled quotes in strings, != as <>', () => {
    expect(json(`"view:sun azimuth" != 'it''s'`)).toEqual({ op: '<>', args: [{ property: 'view:sun azimuth' }, "it's"] });
  });

  it('reads arithmetic with CQL2 precedence: ^ over * / % div over + -, unary minus on the operand', () => {
    expect(json('a + 2 * b ^ 2 = -c div 3')).toEqual({
      op: '=',
      args: [
        { op: '+', args: [{ property: 'a' }, { op: '*', args: [2, { op: '^', args: [{ property: 'b' }, 2] }] }] },
        { op: 'div', args: [{ op: '*', args: [-1, { property: 'c' }] }, 3] },
      ],
    });
  });

  it('reads operators written as functions, as cql2-rs does: like(a, p), in(a, x, y)', () => {
    expect(json("like(textfield, 'a%') and in(textfield, 'x', 'y')")).toEqual({
      op: 'and',
      args: [
        { op: 'like', args: [{ property: 'textfield' }, 'a%'] },
        { op: 'in', args: [{ property: 'textfield' }, ['x', 'y']] },
      ],
    });
  });

  it('canonicalises timestamps, so equal instants give equal trees', () => {
    expect(json("t_after(datetime, TIMESTAMP('2012-08-10T07:30:00.000000+02:00'))")).toEqual({
      op: 't_after',
      args: [{ property: 'datetime' }, { timestamp: '2012-08-10T05:30:00Z' }],
    });
  });

  it('reads WKT with Z and the MULTIPOINT forms with and without inner parentheses', () => {
    expect(json('S_INTERSECTS(geometry, MULTIPOINT ((1 2), 3 4))')).toEqual({
      op: 's_intersects',
      args: [{ property: 'geometry' }, { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] }],
    });
    expect(json('S_WITHIN(POINT Z (1 2 3), BBOX(0, 0, 5, 5))')).toEqual({
      op: 's_within',
      args: [{ type: 'Point', coordinates: [1, 2, 3] }, { bbox: [0, 0, 5, 5] }],
    });
  });

  it('locates a syntax error at its line and column, saying what was expected', () => {
    const err = errorOf('gsd < 10 AND\n  incidence_angle <', 'kaguya.yaml steps[2].filter');
    expect(err.code).toBe('ERR_CQL2_SYNTAX');
    expect([err.line, err.column]).toEqual([2, 20]);
    expect(err.message).toMatch(/^kaguya\.yaml steps\[2\]\.filter:2:20: expected .*a property name.*a number/);
    expect(err.message).toContain(`  2 |   incidence_angle <
    | ${' '.repeat(19)}^`);
  });

  it('says how CQL2 spells what the old filter accepted: = null, ==', () => {
    expect(errorOf('"proj:epsg" = null AND gsd < 10').message).toMatch(/^CQL2:1:15: null is not a value in CQL2: test for it with IS NULL or IS NOT NULL\n/);
    expect(errorOf('gsd == 10').message).toMatch(/\(CQL2 compares with a single =\)/);
  });

  it('refuses an unknown keyword as a comparison, at the word', () => {
    const err = errorOf("gsd < 10 ANDD collection = 'x'");
    expect([err.code, err.line, err.column]).toEqual(['ERR_CQL2_SYNTAX', 1, 10]);
  });

  it('refuses a literal that is not one (an impossible date, a bbox of 3 numbers, a function with the wrong arity), located', () => {
    expect(errorOf("d = DATE('2021-02-29')")).toMatchObject({ code: 'ERR_CQL2_LITERAL', line: 1, column: 5 });
    expect(errorOf("d = TIMESTAMP('2021-02-01')").reason).toMatch(/a date alone is DATE/);
    expect(errorOf('S_INTERSECTS(geometry, BBOX(1, 2, 3))').reason).toMatch(/BBOX takes 4 numbers/);
    expect(errorOf('T_AFTER(datetime)')).toMatchObject({ code: 'ERR_CQL2_LITERAL', reason: 'T_AFTER takes 2 arguments, not 1' });
  });
});
