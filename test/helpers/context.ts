import { pino } from 'pino';
import { createHttpClient } from '../../src/http/client.js';
import { DEFAULT_LIMITS } from '../../src/http/limits.js';
import type { StageContext } from '../../src/pipeline/stage.js';
import { unlimitedDemand } from '../../src/pipeline/demand.js';
import { RunStats } from '../../src/pipeline/stats.js';

/** A real stage context for tests: real stats, a silent logger, the real HTTP client. */
export function testContext(label = 'test', overrides: Partial<StageContext> = {}): StageContext {
  return {
    label,
    stats: new RunStats(),
    log: pino({ level: 'silent' }),
    http: createHttpClient({ retry: { limit: 3, baseDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 5000 } }),
    limits: DEFAULT_LIMITS,
    s3: { region: 'us-west-2', anonymous: true, endpoint: '' },
    signal: new AbortController().signal,
    pipelineName: 'test',
    demand: unlimitedDemand(),
    ...overrides,
  };
}
