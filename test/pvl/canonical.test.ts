import { canonicalValue, parsePvl, toCanonical, type PvlValue } from '../../src/pvl/index.js';

const dt = (iso: string, zone?: 'Z' | `+${string}` | `-${string}`): PvlValue => ({ type: 'datetime', text: iso, iso, ...(zone ? { zone } : {}) });

describe('canonical JSON', () => {
  it('prints date-times as Python isoformat: 6 digits (truncated) only when non-zero, UTC when no zone', () => {
    expect(canonicalValue(dt('2009-06-07T14:42:56.3051759'))).toEqual({ datetime: '2009-06-07T14:42:56.305175+00:00' });
    expect(canonicalValue(dt('2009-06-07T14:42:56.000'))).toEqual({ datetime: '2009-06-07T14:42:56+00:00' });
    expect(canonicalValue(dt('2009-06-07T14:42:56.0000004'))).toEqual({ datetime: '2009-06-07T14:42:56+00:00' });
    expect(canonicalValue(dt('2009-06-07T14:42:56.5Z', 'Z'))).toEqual({ datetime: '2009-06-07T14:42:56.500000+00:00' });
    expect(canonicalValue(dt('2009-06-07T14:42:56-08:30', '-08:30'))).toEqual({ datetime: '2009-06-07T14:42:56-08:30' });
  });

  it('prints integers as exact decimal text and non-finite reals as words', () => {
    expect(canonicalValue({ type: 'integer', value: 2 ** 64, decimal: '18446744073709551616' })).toEqual({ int: '18446744073709551616' });
    expect(canonicalValue({ type: 'real', value: -Infinity, text: '-1e999' })).toEqual({ real: '-inf' });
    expect(canonicalValue({ type: 'real', value: NaN, text: 'x' })).toEqual({ real: 'nan' });
  });

  it('prints a statement without value as {"empty": line}', () => {
    expect(toCanonical(parsePvl('\n\nA =\n'))).toEqual({ module: [['A', { empty: 3 }]] });
  });

  it('is what PvlDocument.toCanonical gives', () => {
    const doc = parsePvl('Object = O\n  Group = G\n    A = (1, {x, x}) <m>\n  End_Group\nEnd_Object');
    expect(doc.toCanonical()).toEqual({
      module: [['O', { object: [['G', { group: [['A', { value: [{ int: '1' }, { set: ['x'] }], units: 'm' }]] }]] }]],
    });
  });
});
