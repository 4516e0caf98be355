import { Cql2Error, parseCql2Json, parseCql2Text } from '../../../src/fields/cql2/index.js';

const errorOf = (value: unknown): Cql2Error => {
  try {
    parseCql2Json(value, 'filter.json');
  } catch (err) {
    if (err instanceof Cql2Error) return err;
    throw err;
  }
  throw new Error(`parsed: ${JSON.stringify(value)}`);
};

describe('parseCql2Json', () => {
  it('gives the tree the text gives, from a value or its JSON text', () => {
    const value = { op: 'and', args: [{ op: 'isNull', args: [{ property: 'x' }] }, { op: 'T_METBY', args: [{ property: 'd' }, { interval: ['2020-01-01', '..'] }] }] };
    const expected = parseCql2Text("x IS NULL AND t_metby(d, INTERVAL('2020-01-01', '..'))");
    expect(parseCql2Json(value)).toEqual(expected);
    expect(parseCql2Json(JSON.stringify(value))).toEqual(expected);
  });

  it.each([
    [{ op: 'and', args: [{ op: '<', args: [{ propertee: 'x' }, 1] }, true] }, 'args[0].args[0]', /found members "propertee"/],
    [{ op: 'between', args: [{ property: 'x' }, 1] }, 'args', /"between" takes 3 arguments, not 2/],
    [{ op: 'in', args: [{ property: 'x' }, 'a'] }, 'args[1]', /an array of values/],
    [{ op: 't_after', args: [{ property: 'd' }, { timestamp: '2020-13-01T00:00:00Z' }] }, 'args[1].timestamp', /no such month/],
    [{ op: 't_after', args: [{ property: 'd' }, { interval: ['2020-01-01', 'soon'] }] }, 'args[1].interval[1]', /'\.\.', a date/],
    [{ op: 's_within', args: [{ property: 'g' }, { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }] }, 'args[1].coordinates[0]', /must be closed/],
    [{ op: 's_within', args: [{ property: 'g' }, { type: 'Polygon', coordinates: [[[0, 0], [1, 'a'], [1, 1], [0, 0]]] }] }, 'args[1].coordinates[0][1]', /2 to 4 numbers/],
    [{ op: '=', args: [{ property: 'x' }, null] }, 'args[1]', /isNull/],
    [{ op: '=', args: [{ property: 'x', op: 'y' }, 1] }, 'args[0].property', /unexpected member "property" beside "op"/],
  ])('names the JSON path of the mistake: %j', (value, jsonPath, reason) => {
    const err = errorOf(value);
    expect(err.code).toBe('ERR_CQL2_JSON');
    expect(err.jsonPath).toBe(jsonPath);
    expect(err.message).toMatch(reason);
    expect(err.message.startsWith(`filter.json: ${jsonPath}: `)).toBe(true);
  });

  it('says when the text is not JSON', () => {
    expect(errorOf('{"op": ').message).toMatch(/^filter\.json: the filter: not JSON/);
  });
});
