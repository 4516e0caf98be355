import { epochMicros, readIsoInstant, type IsoInstant } from '../../src/util/instant.js';
import { formatDatetime } from '../../src/stac/datetime.js';

function read(text: string): IsoInstant {
  const reading = readIsoInstant(text);
  if (!reading.ok) throw new Error(`expected ${text} to be read: ${reading.message}`);
  return reading.instant;
}

describe('readIsoInstant', () => {
  it.each([
    ['2017', 'year'],
    ['2017-06', 'month'],
    ['2017-06-10', 'day'],
    ['2009-06-07T14:42-03:30', 'minute'],
    ['2009-06-07T14:42:56.305175Z', 'second'],
    ['2009-06-07t14:42:56z', 'second'],
    ['2009-06-07 14:42:56', 'second'],
    ['2009-06-07T14:42:56.3051759', 'second'],
    ['2016-12-31T23:59:60Z', 'second'],
  ])('reads %s to the %s', (text, precision) => {
    expect(read(text).precision).toBe(precision);
  });

  it('gives the fields, the fraction as written and the zone upper-cased', () => {
    expect(read('2009-06-07t14:42:56.3051759+02:00')).toEqual({
      year: 2009,
      month: 6,
      day: 7,
      hour: 14,
      minute: 42,
      second: 56,
      fraction: '3051759',
      zone: '+02:00',
      precision: 'second',
    });
    expect(read('2009-06-07T14:42:56z').zone).toBe('Z');
    expect(read('2009-06-07T14:42:56').zone).toBeUndefined();
  });

  it.each([
    ['2009-13-01', 'month'],
    ['2009-00', 'month'],
    ['2009-06-31', 'day'],
    ['2021-02-29', 'day'],
    ['2009-06-07T24:00:00Z', 'hour'],
    ['2009-06-07T14:60:00Z', 'minute'],
    ['2009-06-07T14:42:61Z', 'second'],
  ])('refuses %s: no such %s, named in the message', (text, field) => {
    expect(readIsoInstant(text)).toEqual({ ok: false, refused: field, message: `"${text}" has no such ${field}` });
  });

  // The strictest of the two readers it replaces: RFC 3339 zones and decimal points only.
  it.each([
    'June 7',
    '7.65',
    '09-06-07',
    '2009-6-7',
    '2009-06-07Z',
    '2009-06-07T14Z',
    '2009-06-07T14:42.5Z',
    '2009-06-07T14:42:56.Z',
    '2009-06-07T14:42:56,305Z',
    '2009-06-07T14:42:56+02',
    '2009-06-07T14:42:56+0200',
    '2009-06-07T14:42:56 Z',
    ' 2009-06-07',
  ])('refuses %j as not an ISO date, naming the text', (text) => {
    const reading = readIsoInstant(text);
    expect(reading.ok).toBe(false);
    if (reading.ok) return;
    expect(reading.refused).toBe('shape');
    expect(reading.message).toBe(
      `"${text}" is not an ISO 8601 date or date-time (2020-01-01T12:00:00Z, 2020-01-01, 2020-01, 2020)`,
    );
  });
});

describe('epochMicros', () => {
  it('counts microseconds from 1970 in UTC, the zone applied, digits past the sixth cut', () => {
    expect(epochMicros(read('2009-06-07T14:42:56.305175Z'))).toBe(Date.UTC(2009, 5, 7, 14, 42, 56) * 1000 + 305175);
    expect(epochMicros(read('2009-06-07T14:42:56.3051759'))).toBe(Date.UTC(2009, 5, 7, 14, 42, 56) * 1000 + 305175);
    expect(epochMicros(read('2009-06-07T14:42-03:30'))).toBe(Date.UTC(2009, 5, 7, 18, 12) * 1000);
    expect(epochMicros(read('2009-06-07T16:42:56.5+02:00'))).toBe(Date.UTC(2009, 5, 7, 14, 42, 56, 500) * 1000);
  });

  it('reads a period as its first instant, and years before 100 as written', () => {
    expect(epochMicros(read('2017'))).toBe(Date.UTC(2017, 0, 1) * 1000);
    expect(epochMicros(read('2016-02'))).toBe(Date.UTC(2016, 1, 1) * 1000);
    expect(epochMicros(read('0050-03-01'))).toBe(Date.parse('0050-03-01T00:00:00Z') * 1000);
  });

  it('reads a leap second as the next minute', () => {
    expect(epochMicros(read('2016-12-31T23:59:60Z'))).toBe(Date.UTC(2017, 0, 1) * 1000);
  });
});

// Both product callers read through it; each keeps the precisions it takes.
describe('the callers of the one reader', () => {
  it('a STAC search takes periods and seconds, not minutes, and refuses what the reader refuses', () => {
    expect(formatDatetime('2009')).toBe('2009-01-01T00:00:00Z/2009-12-31T23:59:59Z');
    expect(() => formatDatetime('2009-06-07T14:42Z')).toThrow(/^datetime: cannot read "2009-06-07T14:42Z"/);
    expect(() => formatDatetime('2009-06-07T14:42:56+0200')).toThrow(/^datetime: cannot read/);
    expect(() => formatDatetime('2009-06-07T14:42:61Z')).toThrow('datetime: "2009-06-07T14:42:61Z" has no such second');
  });

  it('a STAC interval is ordered to the microsecond', () => {
    expect(formatDatetime('2020-01-01T00:00:00.0001Z/2020-01-01T00:00:00.0002Z')).toBe(
      '2020-01-01T00:00:00.0001Z/2020-01-01T00:00:00.0002Z',
    );
    expect(() => formatDatetime('2020-01-01T00:00:00.0002Z/2020-01-01T00:00:00.0001Z')).toThrow(/starts .* after it ends/);
    expect(() => formatDatetime('2020-01-01T02:00:00+02:00/2020-01-01T00:00:00.0001Z')).not.toThrow();
  });
});
