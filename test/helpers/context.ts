import { pino } from 'pino';
import { createHttpClient } from '../../src/http/client.js';
import { DEFAULT_LIMITS } from '../../src/http/limits.js';
import type { StageContext } from '../../src/engine/stage.js';
import { unlimitedDemand } from '../../src/engine/demand.js';
import { RunStats } from '../../src/engine/stats.js';

/** The defaults with quick retries (3, 10 ms doubling to 50 ms), so tests of failures run in milliseconds. */
export const TEST_LIMITS = Object.freeze({ ...DEFAULT_LIMITS, retries: 3, retryBaseDelayMs: 10, retryMaxDelayMs: 50, maxRetryAfterMs: 5000 });

/** A real stage context for tests: real stats, a silent logger, the real HTTP client. */
export function testContext(label = 'test', overrides: Partial<StageContext> = {}): StageContext {
  return {
    label,
    stats: new RunStats(),
    log: pino({ level: 'silent' }),
    http: createHttpClient({ limits: TEST_LIMITS }),
    limits: TEST_LIMITS,
    s3: { region: 'us-west-2', anonymous: true, endpoint: '' },
    signal: new AbortController().signal,
    pipelineName: 'test',
    demand: unlimitedDemand(),
    ...overrides,
  };
}
