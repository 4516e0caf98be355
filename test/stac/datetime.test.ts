import { formatDatetime } from '../../src/stac/datetime.js';
import { StacParameterError } from '../../src/stac/errors.js';

describe('formatDatetime (as pystac-client _format_datetime)', () => {
  it.each([
    ['2017', '2017-01-01T00:00:00Z/2017-12-31T23:59:59Z'],
    ['2017-06', '2017-06-01T00:00:00Z/2017-06-30T23:59:59Z'],
    ['2016-02', '2016-02-01T00:00:00Z/2016-02-29T23:59:59Z'],
    ['2017-06-10', '2017-06-10T00:00:00Z/2017-06-10T23:59:59Z'],
    ['2017/2018', '2017-01-01T00:00:00Z/2018-12-31T23:59:59Z'],
    ['2017-06/2017-07', '2017-06-01T00:00:00Z/2017-07-31T23:59:59Z'],
    ['2017-06-10/2017-06-11', '2017-06-10T00:00:00Z/2017-06-11T23:59:59Z'],
  ])('expands the date %s to the whole period', (input, expected) => {
    expect(formatDatetime(input)).toBe(expected);
  });

  it('keeps an instant with an offset as written', () => {
    expect(formatDatetime('2009-06-07T14:43:22.876949Z')).toBe('2009-06-07T14:43:22.876949Z');
    expect(formatDatetime('2009-06-07T14:43:22+02:00')).toBe('2009-06-07T14:43:22+02:00');
  });

  it('reads an instant without an offset as UTC', () => {
    expect(formatDatetime('2009-06-07T14:43:22')).toBe('2009-06-07T14:43:22Z');
  });

  it('upper-cases t and z', () => {
    expect(formatDatetime('2009-06-07t14:43:22z')).toBe('2009-06-07T14:43:22Z');
  });

  it.each([
    ['2020-01-01/..', '2020-01-01T00:00:00Z/..'],
    ['../2020-01-01', '../2020-01-01T23:59:59Z'],
    ['2020-01-01/', '2020-01-01T00:00:00Z/..'],
    ['/2020-01-01T00:00:00Z', '../2020-01-01T00:00:00Z'],
  ])('writes the open end of %s as ..', (input, expected) => {
    expect(formatDatetime(input)).toBe(expected);
  });

  it('takes a [start, end] list, null being open', () => {
    expect(formatDatetime(['2020-01', null])).toBe('2020-01-01T00:00:00Z/..');
    expect(formatDatetime(['2020-01-01T00:00:00Z', '2020-02'])).toBe('2020-01-01T00:00:00Z/2020-02-29T23:59:59Z');
  });

  it('takes a Date as a UTC instant', () => {
    expect(formatDatetime(new Date(Date.UTC(2020, 0, 2, 3, 4, 5)))).toBe('2020-01-02T03:04:05Z');
    expect(formatDatetime([new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 250)), null])).toBe('2020-01-02T03:04:05.250Z/..');
  });

  it.each([
    ['..', /open end needs the other end/],
    ['../..', /both ends of the interval are open/],
    ['2020-13', /no such month/],
    ['2021-02-29', /no such day/],
    ['2020-01-01T25:00:00Z', /no such hour/],
    ['yesterday', /cannot read "yesterday"/],
    ['2020-01-01T12:00Z', /cannot read/],
    ['2020/2021/2022', /expected an instant or an interval/],
    ['2021/2020', /starts \(2021-01-01T00:00:00Z\) after it ends/],
  ])('refuses %s, naming datetime', (input, message) => {
    const run = () => formatDatetime(input);
    expect(run).toThrow(StacParameterError);
    expect(run).toThrow(message);
    expect(run).toThrow(/^datetime: /);
  });
});
