import { parseCql2Json, parseCql2Text, toCql2Json, toCql2Text } from '../../../src/fields/cql2/index.js';

describe('toCql2Text', () => {
  it.each([
    ['a = 1 AND (b = 2 OR NOT c)', 'a = 1 AND (b = 2 OR NOT c)'],
    ['"view:sun azimuth" > -0.0', '"view:sun azimuth" > -0.0'],
    ['"and" = \'it\'\'s\'', '"and" = \'it\'\'s\''],
    ['x NOT BETWEEN 1 AND 2+3', 'NOT x BETWEEN 1 AND 2 + 3'], ['a - (b - c) = (a - b) - c', 'a - (b - c) = a - b - c'], ['(a = 1) = (2 ^ 3 ^ 4 > -x)', '(a = 1) = (2 ^ 3 ^ 4 > -1 * x)'],
    ["x IN ('a') AND y IS NOT NULL", "x IN ('a') AND NOT y IS NULL"],
    ["t_metby(d, interval('2020-01-01', '..'))", "T_METBY(d, INTERVAL('2020-01-01', '..'))"],
    ['s_intersects(geometry, polygon z ((0 0 1, 1 0 1, 1 1 1, 0 0 1)))', 'S_INTERSECTS(geometry, POLYGON((0 0 1, 1 0 1, 1 1 1, 0 0 1)))'],
    ['Foo(x, 1e21) = true', 'Foo(x, 1e+21) = TRUE'],
  ])('%s → %s, which reads back as the same tree', (input, output) => {
    const ast = parseCql2Text(input);
    expect(toCql2Text(ast)).toBe(output);
    expect(parseCql2Text(output)).toEqual(ast);
  });
});

describe('toCql2Json', () => {
  it('writes CQL2 JSON that reads back as the same tree', () => {
    const ast = parseCql2Text("a_containedby(x, (DATE('2020-01-01'), TIMESTAMP('2020-01-01T00:00:00.5Z'))) AND s_within(g, BBOX(1, 2, 3, 4))");
    const json = toCql2Json(ast);
    expect(json).toEqual({
      op: 'and',
      args: [
        { op: 'a_containedBy', args: [{ property: 'x' }, [{ date: '2020-01-01' }, { timestamp: '2020-01-01T00:00:00.5Z' }]] },
        { op: 's_within', args: [{ property: 'g' }, { bbox: [1, 2, 3, 4] }] },
      ],
    });
    expect(parseCql2Json(JSON.parse(JSON.stringify(json)))).toEqual(ast);
  });
});
