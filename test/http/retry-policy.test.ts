import { decideRetry, parseRetryAfter, retryDelay, type RetrySettings } from '../../src/http/retry-policy.js';
import { DEFAULT_LIMITS } from '../../src/http/limits.js';

const settings: RetrySettings = { limit: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 10_000 };
const at = (over: Partial<Parameters<typeof retryDelay>[0]>) => retryDelay({ attempt: 1, now: 0, random: 0.5, ...over }, settings);

test.each([408, 429, 500, 502, 503, 504])('status %i is retried', (status) => {
  expect(at({ status })).toBeGreaterThan(0);
});

test.each([400, 401, 403, 404, 413, 501])('status %i is not retried', (status) => {
  expect(at({ status })).toBe(0);
});

test('connection errors without a response are retried; unknown codes are not', () => {
  expect(at({ code: 'ECONNRESET' })).toBeGreaterThan(0);
  expect(at({ code: 'ETIMEDOUT' })).toBeGreaterThan(0);
  expect(at({ code: 'ERR_SOMETHING_ELSE' })).toBe(0);
});

test('backoff doubles per attempt, jittered within the upper half, and is capped', () => {
  expect(at({ status: 503, attempt: 1, random: 0 })).toBe(50);
  expect(at({ status: 503, attempt: 1, random: 0.999999 })).toBe(100);
  expect(at({ status: 503, attempt: 2, random: 0 })).toBe(100);
  expect(at({ status: 503, attempt: 3, random: 0 })).toBe(200);
  expect(retryDelay({ attempt: 3, status: 503, now: 0, random: 0 }, { ...settings, maxDelayMs: 150 })).toBe(75);
});

test('no retry past the limit', () => {
  expect(at({ status: 503, attempt: 4 })).toBe(0);
});

test('Retry-After in seconds is honoured exactly', () => {
  expect(at({ status: 429, retryAfter: '2' })).toBe(2000);
  expect(at({ status: 503, retryAfter: '0' })).toBe(1);
});

test('Retry-After as an HTTP date is honoured', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  expect(at({ status: 429, retryAfter: 'Thu, 01 Jan 2026 00:00:03 GMT', now })).toBe(3000);
});

test('a Retry-After longer than the cap gives up instead of hanging the run', () => {
  expect(at({ status: 429, retryAfter: '3600' })).toBe(0);
});

test('an unreadable Retry-After falls back to backoff', () => {
  expect(parseRetryAfter('soon', 0)).toBeUndefined();
  expect(at({ status: 429, retryAfter: 'soon', random: 0 })).toBe(50);
});

test.each(['ERR_HEAD_TIMEOUT', 'ERR_LOW_SPEED', 'ERR_REQUEST_TIMEOUT', 'ERR_BODY_CUT_SHORT', 'ERR_CONNECT_TIMEOUT', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])(
  'a failure %s is retried like a 5xx',
  (code) => {
    expect(at({ code, random: 0 })).toBe(at({ status: 503, random: 0 }));
  },
);

test('an answer that is not HTTP is not retried', () => {
  expect(at({ code: 'HPE_HEADER_OVERFLOW' })).toBe(0);
});

test('decideRetry says why it does not retry', () => {
  expect(decideRetry({ attempt: 1, status: 404, now: 0, random: 0 }, settings)).toEqual({ retry: false, reason: 'not-retryable' });
  expect(decideRetry({ attempt: 4, status: 503, now: 0, random: 0 }, settings)).toEqual({ retry: false, reason: 'limit' });
  expect(decideRetry({ attempt: 1, status: 429, retryAfter: '3600', now: 0, random: 0 }, settings)).toEqual({ retry: false, reason: 'retry-after', retryAfterMs: 3_600_000 });
});

test('the http: limits are settings too; their defaults back off over seconds (1 s doubling to 30 s)', () => {
  const delays = [1, 2, 3, 4, 5, 6].map((attempt) => retryDelay({ attempt, code: 'ECONNREFUSED', now: 0, random: 0 }, DEFAULT_LIMITS));
  expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 0]);
  expect(retryDelay({ attempt: 5, status: 503, now: 0, random: 0.999999 }, { ...DEFAULT_LIMITS, retryMaxDelayMs: 30_000, retries: 10 })).toBe(16_000);
  expect(retryDelay({ attempt: 7, status: 503, now: 0, random: 0.999999 }, { ...DEFAULT_LIMITS, retries: 10 })).toBe(30_000);
});
