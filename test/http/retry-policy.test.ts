import { backoffDelay, decideRetry, parseRetryAfter, retryDelay, retryWaitWithin, type RetrySettings } from '../../src/http/retry-policy.js';
import { DEFAULT_LIMITS } from '../../src/http/limits.js';
import { downloadRetry, nextWait } from '../../src/download/retry.js';

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

describe('backoffDelay: the one backoff of the STAC/HTTP loop, the S3 loop and the download engine', () => {
  it('stays within the upper half of base × 2^(attempt-1), capped, whatever the jitter', () => {
    const s = { baseDelayMs: 1000, maxDelayMs: 30_000 };
    for (let attempt = 1; attempt <= 8; attempt += 1) {
      const ceiling = Math.min(30_000, 1000 * 2 ** (attempt - 1));
      for (const random of [0, 0.25, 0.5, 0.999999]) {
        const wait = backoffDelay(attempt, s, random);
        expect(wait).toBeGreaterThanOrEqual(ceiling / 2);
        expect(wait).toBeLessThanOrEqual(ceiling);
      }
    }
    expect(backoffDelay(1, { baseDelayMs: 0, maxDelayMs: 0 }, 0.5)).toBe(1);
  });
});

describe('retryWaitWithin: when the S3 loop and the download engine stop', () => {
  const limits = { ...DEFAULT_LIMITS, retries: 3, retryBaseDelayMs: 100, retryMaxDelayMs: 1000, maxRetryAfterMs: 10_000, giveUpAfterMs: 5000 };
  const now = 1_000_000;

  it('backs off while retries are left, then stops', () => {
    expect([1, 2, 3, 4].map((attempt) => retryWaitWithin(attempt, undefined, limits, now, now, 0))).toEqual([50, 100, 200, undefined]);
  });

  it('waits what Retry-After asks, seconds or a date, and stops when it asks more than http.max_retry_after', () => {
    expect(retryWaitWithin(1, '3', limits, now, now, 0)).toBe(3000);
    expect(retryWaitWithin(1, new Date(now + 2000).toUTCString(), limits, now, now, 0)).toBe(2000);
    expect(retryWaitWithin(1, '11', limits, now, now, 0)).toBeUndefined();
  });

  it('starts no attempt past http.give_up_after since the first of the run of failures', () => {
    expect(retryWaitWithin(1, '3', limits, now - 1999, now, 0)).toBe(3000);
    expect(retryWaitWithin(1, '3', limits, now - 2000, now, 0)).toBeUndefined();
    expect(retryWaitWithin(2, undefined, limits, now - 4899, now, 0)).toBe(100);
    expect(retryWaitWithin(2, undefined, limits, now - 4900, now, 0)).toBeUndefined();
  });

  it('is the download engine\'s rule', () => {
    const retry = downloadRetry(limits);
    const slowDown = Object.assign(new Error('SlowDown'), { $response: { headers: { 'retry-after': '4' } } });
    expect(nextWait(1, slowDown, retry, now, now)).toBe(retryWaitWithin(1, '4', limits, now, now));
    expect(nextWait(1, slowDown, retry, now - 1001, now)).toBeUndefined();
    expect(nextWait(4, new Error('reset'), retry, now, now)).toBeUndefined();
  });
});

test('a name that does not resolve is retried once, not as long as a transient failure', () => {
  for (const code of ['ENOTFOUND', 'EAI_AGAIN']) {
    expect(at({ code, attempt: 1 })).toBeGreaterThan(0);
    expect(at({ code, attempt: 2 })).toBe(0);
    expect(decideRetry({ attempt: 2, code, now: 0, random: 0.5 }, settings)).toEqual({ retry: false, reason: 'limit' });
  }
  expect(at({ code: 'ECONNREFUSED', attempt: 3 })).toBeGreaterThan(0);
  // The S3 and download loops judge the error itself, also where the SDK or stacflow wrapped it.
  const dns = Object.assign(new Error('getaddrinfo ENOTFOUND s3.example'), { code: 'ENOTFOUND' });
  const wrapped = new Error('S3 unreachable', { cause: new Error('transport', { cause: dns }) });
  expect(retryWaitWithin(1, undefined, DEFAULT_LIMITS, 0, 0, 0, wrapped)).toBeGreaterThan(0);
  expect(retryWaitWithin(2, undefined, DEFAULT_LIMITS, 0, 0, 0, wrapped)).toBeUndefined();
  expect(retryWaitWithin(2, undefined, DEFAULT_LIMITS, 0, 0, 0, new Error('reset', { cause: { code: 'ECONNRESET' } }))).toBeGreaterThan(0);
  expect(nextWait(2, wrapped, downloadRetry(DEFAULT_LIMITS), 0, 0)).toBeUndefined();
});
