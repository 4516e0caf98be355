import { makeDate, makeDateTime, makeTime } from '../../src/pvl/dates.js';
import { seededRandom } from './differential-inputs.js';

/**
 * dates.ts: what ISIS writes (`YYYY-MM-DDTHH:MM:SS[.fraction][Z]`) is its own ISO text and is read without a
 * regex; every other shape goes field by field. Both give the same nodes. (A lower-case `t` always takes the
 * field by field way: the tests use it to compare the two.)
 */
describe('makeDateTime', () => {
  it('keeps the text as the ISO text when it is already one', () => {
    const text = '2009-06-07T14:39:50.3027626';
    const node = makeDateTime(text);
    expect(node).toStrictEqual({ type: 'datetime', text, iso: text });
    expect(node?.iso).toBe(text);
    expect(makeDateTime('2001-01-01T01:10:39Z')).toStrictEqual({ type: 'datetime', text: '2001-01-01T01:10:39Z', iso: '2001-01-01T01:10:39Z', zone: 'Z' });
  });

  it('normalises the other shapes: day of year, no seconds, offsets, lower case', () => {
    expect(makeDateTime('1995-360T14:02:13')?.iso).toBe('1995-12-26T14:02:13');
    expect(makeDateTime('2001-01-01T12:00')?.iso).toBe('2001-01-01T12:00:00');
    expect(makeDateTime('2001-01-01T01:10:39+7')).toMatchObject({ iso: '2001-01-01T01:10:39+07:00', zone: '+07:00' });
    expect(makeDateTime('2001-01-01t01:10:39z')).toStrictEqual({ type: 'datetime', text: '2001-01-01t01:10:39z', iso: '2001-01-01T01:10:39Z', zone: 'Z' });
  });

  it('refuses what is not a date and time of the calendar (the text is then a symbol)', () => {
    expect(makeDateTime('2000-02-29T23:59:60')).toBeDefined();
    for (const text of ['1900-02-29T00:00:00', '2001-02-29T00:00:00', '0000-01-01T00:00:00', '2001-04-31T00:00:00', '2001-01-01T24:00:00', '2001-01-01T23:60:00', '2001-01-01T23:59:61', '2001-13-01T00:00:00']) {
      expect([text, makeDateTime(text)]).toEqual([text, undefined]);
    }
  });

  it('gives the same nodes either way, on 20,000 seeded random date-times', () => {
    const random = seededRandom(11);
    const two = (max: number): string => String(Math.floor(random() * max)).padStart(2, '0');
    const differ: string[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      const year = String(Math.floor(random() * 2500)).padStart(4, '0');
      const fraction = random() < 0.5 ? '' : `.${String(Math.floor(random() * 1e7))}`;
      const zone = ['', '', 'Z', '+07', '-0730'][Math.floor(random() * 5)];
      const text = `${year}-${two(14)}-${two(33)}T${two(26)}:${two(62)}:${two(63)}${fraction}${zone}`;
      const direct = makeDateTime(text);
      const byFields = makeDateTime(text.replace('T', 't'));
      const same = direct === undefined ? byFields === undefined : byFields !== undefined && JSON.stringify({ ...byFields, text }) === JSON.stringify(direct);
      if (!same) differ.push(text);
    }
    expect(differ).toEqual([]);
  });
});

describe('makeDate and makeTime', () => {
  it('keep a calendar date or a full time as their ISO text', () => {
    expect(makeDate('2024-02-29')).toStrictEqual({ type: 'date', text: '2024-02-29', iso: '2024-02-29' });
    expect(makeTime('23:59:60.5Z')).toStrictEqual({ type: 'time', text: '23:59:60.5Z', iso: '23:59:60.5Z', zone: 'Z' });
    expect(makeTime('01:10:39.4575')).toStrictEqual({ type: 'time', text: '01:10:39.4575', iso: '01:10:39.4575' });
  });

  it('normalise the other shapes and refuse impossible ones', () => {
    expect(makeDate('2024-060')?.iso).toBe('2024-02-29');
    expect(makeDate('2023-02-29')).toBeUndefined();
    expect(makeTime('12:00')?.iso).toBe('12:00:00');
    expect(makeTime('01:10:39.4575+07')).toStrictEqual({ type: 'time', text: '01:10:39.4575+07', iso: '01:10:39.4575+07:00', zone: '+07:00' });
    expect(makeTime('24:00:00')).toBeUndefined();
  });

  it('agree with the date and time parts of a date-time read field by field', () => {
    const random = seededRandom(12);
    const two = (max: number): string => String(Math.floor(random() * max)).padStart(2, '0');
    const differ: string[] = [];
    for (let i = 0; i < 5_000; i += 1) {
      const date = `${String(Math.floor(random() * 2500)).padStart(4, '0')}-${two(14)}-${two(33)}`;
      const time = `${two(26)}:${two(62)}:${two(63)}${random() < 0.5 ? '' : '.25'}${random() < 0.5 ? '' : 'Z'}`;
      const dateByFields = makeDateTime(`${date}t00:00:00`);
      const timeByFields = makeDateTime(`2000-01-01t${time}`);
      if (makeDate(date)?.iso !== dateByFields?.iso.slice(0, 10)) differ.push(date);
      if (makeTime(time)?.iso !== timeByFields?.iso.slice(11) || makeTime(time)?.zone !== timeByFields?.zone) differ.push(time);
    }
    expect(differ).toEqual([]);
  });
});
