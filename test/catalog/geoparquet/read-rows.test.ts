import { isoInstant, isoMicros } from '../../../src/catalog/geoparquet/read-rows.js';
import { instantMicros } from '../../../src/catalog/geoparquet/value-type.js';

// Timestamps come back as RFC 3339 text in UTC with the fraction digits they need (0, 3, 6 or 9).
test.each<[bigint, string]>([
  [0n, '1970-01-01T00:00:00Z'],
  [1_577_934_245_000_000n, '2020-01-02T03:04:05Z'],
  [1_577_934_245_123_000n, '2020-01-02T03:04:05.123Z'],
  [1_577_934_245_123_456n, '2020-01-02T03:04:05.123456Z'],
  [1_577_934_245_000_400n, '2020-01-02T03:04:05.000400Z'],
  [-1n, '1969-12-31T23:59:59.999999Z'],
  [-86_400_000_000n * 365n * 300n, '1670-03-14T00:00:00Z'],
])('%s µs is %s, and the writer reads it back to the same microseconds', (micros, text) => {
  expect(isoMicros(micros)).toBe(text);
  expect(isoInstant(micros * 1000n)).toBe(text);
  expect(instantMicros(text)).toBe(Number(micros));
});

test('nanoseconds keep their nine digits when they need them', () => {
  expect(isoInstant(1_577_934_245_123_456_789n)).toBe('2020-01-02T03:04:05.123456789Z');
  expect(isoInstant(1n)).toBe('1970-01-01T00:00:00.000000001Z');
});
