import { formatMicros, formatMillis, parseMicros } from '../../sandbox/datetime.js';

describe('sandbox datetime', () => {
  it('keeps the microseconds of the real items', () => {
    const text = '2009-06-07T14:42:56.305175Z';
    expect(parseMicros(text)).toBe(Date.UTC(2009, 5, 7, 14, 42, 56) * 1000 + 305175);
    expect(formatMicros(parseMicros(text)!)).toBe(text);
  });

  it('reads offsets and lower-case separators as stac-server does', () => {
    expect(parseMicros('2009-06-07T16:42:56+02:00')).toBe(parseMicros('2009-06-07T14:42:56Z'));
    expect(parseMicros('2009-06-07t14:42:56z')).toBe(parseMicros('2009-06-07T14:42:56Z'));
  });

  it.each(['2009-06-07', '2009-02-30T00:00:00Z', '2009-06-07T24:00:00Z', 'yesterday'])('rejects %s', (text) => {
    expect(parseMicros(text)).toBeUndefined();
  });

  it('writes created/updated with milliseconds', () => {
    expect(formatMillis(parseMicros('2023-08-23T19:24:51.529Z')!)).toBe('2023-08-23T19:24:51.529Z');
  });
});
