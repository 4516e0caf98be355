import { z } from 'zod';

/**
 * Limits and deadlines of every read stacflow makes (the `http:` section of a pipeline file): how much a server
 * may send, how long it may take, how often and how patiently a failed request is tried again. Every server is
 * assumed hostile or broken: no read is unbounded in size or time. One set for the STAC API (got), plain-HTTP
 * hrefs and S3 (undici under the AWS SDK). Written down in README.md ("Limits and deadlines").
 */
export interface HttpLimits {
  /** Largest label body read (fetch_label); larger ones fail their item before parsing. */
  readonly maxLabelBytes: number;
  /** Largest search page, landing page or conformance answer; larger ones fail the run (after no retry: it would not shrink). */
  readonly maxPageBytes: number;
  /** Bytes of an error answer read for its message (S3's XML, an API's JSON); the rest is never read. */
  readonly maxErrorBodyBytes: number;
  /** Deadline for a TCP (and TLS) connection. */
  readonly connectTimeoutMs: number;
  /** Deadline for the response head (status line and headers) once the request is sent. */
  readonly headTimeoutMs: number;
  /** curl's --speed-limit: a body slower than this many bytes/s ... */
  readonly lowSpeedBytesPerSecond: number;
  /** ... for this long (curl's --speed-time) is aborted and retried. */
  readonly lowSpeedTimeMs: number;
  /** Whole-request deadline for labels and pages (head and body, one attempt). */
  readonly requestTimeoutMs: number;
  /** Retries after the first attempt, for every request and every body cut short. */
  readonly retries: number;
  /** First backoff; doubles each retry (with jitter), up to `retryMaxDelayMs`. */
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  /** Longest Retry-After honoured; a longer one fails the request with the wait in the message. */
  readonly maxRetryAfterMs: number;
  /** No new attempt starts once this long has passed since an object's or page's first attempt. */
  readonly giveUpAfterMs: number;
}

export const KiB = 1024;
export const MiB = 1024 * KiB;

export const DEFAULT_LIMITS: HttpLimits = Object.freeze({
  maxLabelBytes: 16 * MiB,
  maxPageBytes: 64 * MiB,
  maxErrorBodyBytes: 64 * KiB,
  connectTimeoutMs: 10_000,
  headTimeoutMs: 60_000,
  lowSpeedBytesPerSecond: 1 * KiB,
  lowSpeedTimeMs: 60_000,
  requestTimeoutMs: 120_000,
  retries: 5,
  retryBaseDelayMs: 1000,
  retryMaxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  giveUpAfterMs: 300_000,
});

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1000, kib: KiB, mb: 1000 ** 2, mib: MiB, gb: 1000 ** 3, gib: 1024 * MiB };
const TIME_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** `16MiB`, `64 KiB`, `1000000` (bytes) → bytes; undefined for anything else. */
export function parseByteSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) return undefined;
  const bytes = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** `60s`, `500ms`, `5m`, `1h`, or a number of seconds → milliseconds; undefined for anything else. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!match) return undefined;
  const unit = match[2] === '' ? 1000 : TIME_UNITS[match[2].toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(match[1]) * unit);
}

const byteSize = (what: string, min: number) =>
  z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      const bytes = parseByteSize(value);
      if (bytes === undefined || bytes < min) {
        ctx.addIssue({ code: 'custom', message: `expected a size of at least ${min} bytes such as 16MiB, 64KiB or 1000000 (bytes), got ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      return bytes;
    })
    .describe(what);

const duration = (what: string, minMs: number) =>
  z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined || ms < minMs) {
        ctx.addIssue({ code: 'custom', message: `expected a duration of at least ${minMs} ms such as 60s, 500ms or 5m (a bare number is seconds), got ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      return ms;
    })
    .describe(what);

/** The `http:` section; every key optional, defaults from DEFAULT_LIMITS. Output: HttpLimits. */
export const httpLimitsSchema = z
  .object({
    max_label_bytes: byteSize('Largest label read (fetch_label), default 16MiB; larger labels fail their item before parsing.', 1).optional(),
    max_page_bytes: byteSize('Largest search page (and landing page, conformance) read, default 64MiB; a larger one ends the run.', 1).optional(),
    max_error_body_bytes: byteSize('Bytes of an error answer read for its message, default 64KiB (S3 XML errors are under 1KiB).', 1).optional(),
    connect_timeout: duration('Deadline for a connection, default 10s.', 1).optional(),
    head_timeout: duration('Deadline for the response head (status and headers) once a request is sent, default 60s.', 1).optional(),
    low_speed_limit: byteSize('A body slower than this many bytes per second for low_speed_time is aborted and retried (curl --speed-limit), default 1KiB.', 0).optional(),
    low_speed_time: duration('See low_speed_limit (curl --speed-time), default 60s.', 1).optional(),
    request_timeout: duration('Whole-request deadline for labels and pages, one attempt, default 120s.', 1).optional(),
    retries: z.number().int().min(0).max(20).optional().describe('Retries after the first attempt of a request or a body cut short, default 5.'),
    retry_base_delay: duration('First backoff before a retry, doubling each time (with jitter), default 1s.', 0).optional(),
    retry_max_delay: duration('Longest backoff between two attempts, default 30s.', 0).optional(),
    max_retry_after: duration('Longest Retry-After a server may ask for, default 120s; a longer one fails the request.', 0).optional(),
    give_up_after: duration('No new attempt of one object or page starts after this long since its first, default 5m.', 1).optional(),
  })
  .strict()
  .transform((o): HttpLimits =>
    Object.freeze({
      maxLabelBytes: o.max_label_bytes ?? DEFAULT_LIMITS.maxLabelBytes,
      maxPageBytes: o.max_page_bytes ?? DEFAULT_LIMITS.maxPageBytes,
      maxErrorBodyBytes: o.max_error_body_bytes ?? DEFAULT_LIMITS.maxErrorBodyBytes,
      connectTimeoutMs: o.connect_timeout ?? DEFAULT_LIMITS.connectTimeoutMs,
      headTimeoutMs: o.head_timeout ?? DEFAULT_LIMITS.headTimeoutMs,
      lowSpeedBytesPerSecond: o.low_speed_limit ?? DEFAULT_LIMITS.lowSpeedBytesPerSecond,
      lowSpeedTimeMs: o.low_speed_time ?? DEFAULT_LIMITS.lowSpeedTimeMs,
      requestTimeoutMs: o.request_timeout ?? DEFAULT_LIMITS.requestTimeoutMs,
      retries: o.retries ?? DEFAULT_LIMITS.retries,
      retryBaseDelayMs: o.retry_base_delay ?? DEFAULT_LIMITS.retryBaseDelayMs,
      retryMaxDelayMs: o.retry_max_delay ?? DEFAULT_LIMITS.retryMaxDelayMs,
      maxRetryAfterMs: o.max_retry_after ?? DEFAULT_LIMITS.maxRetryAfterMs,
      giveUpAfterMs: o.give_up_after ?? DEFAULT_LIMITS.giveUpAfterMs,
    }),
  )
  .describe('Limits and deadlines of every read (STAC API, labels, downloads, S3): sizes, timeouts, retries.');

/** Byte counts as people read them in messages: `16 MiB`, `64 KiB`, `900 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

/** Durations as people read them in messages: `60 s`, `500 ms`, `5 min`, `1.5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}
