import { pino } from 'pino';
import { createHttpClient } from '../../src/http/client.js';
import { DEFAULT_LIMITS } from '../../src/http/limits.js';
import { defer, from, mergeMap, type Observable, type OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import type { Entry } from '../../src/entry.js';
import type { RunContext } from '../../src/engine/context.js';
import { countedSource, stageContext, stepOperator } from '../../src/engine/per-entry.js';
import type { SourceStage, StageContext, StepStage } from '../../src/engine/stage.js';
import { unlimitedDemand } from '../../src/engine/demand.js';
import { RunStats } from '../../src/engine/stats.js';

/** The defaults with quick retries (3, 10 ms doubling to 50 ms), so tests of failures run in milliseconds. */
export const TEST_LIMITS = Object.freeze({ ...DEFAULT_LIMITS, retries: 3, retryBaseDelayMs: 10, retryMaxDelayMs: 50, maxRetryAfterMs: 5000 });

/** A real stage context for tests, as the engine makes it: real stats, a silent logger, the real HTTP client. */
export function testContext(label = 'test', overrides: Partial<RunContext> = {}): StageContext {
  return stageContext({
    stats: new RunStats(),
    log: pino({ level: 'silent' }),
    http: createHttpClient({ limits: TEST_LIMITS }),
    limits: TEST_LIMITS,
    s3: { region: 'us-west-2', anonymous: true, endpoint: '' },
    signal: new AbortController().signal,
    pipelineName: 'test',
    demand: unlimitedDemand(),
    ...overrides,
  }, label);
}

/** A step stage as the engine runs it (the entry protocol around its work), for tests that pipe entries through it. */
export function stepOf<S extends z.ZodType>(stage: StepStage<S>, options: z.output<S>, ctx: StageContext): OperatorFunction<Entry, Entry> {
  const created = stage.create(options, ctx);
  // A stage that imports its implementation in `create` gives a promise; pure ones stay synchronous (marble tests).
  if (!(created instanceof Promise)) return stepOperator(created, ctx);
  return (entries) => from(created).pipe(mergeMap((step) => entries.pipe(stepOperator(step, ctx))));
}

/** A step stage as the engine runs it, its `create` awaited first (for marble tests, which cannot wait). */
export async function readyStep<S extends z.ZodType>(stage: StepStage<S>, options: z.output<S>, ctx: StageContext): Promise<OperatorFunction<Entry, Entry>> {
  return stepOperator(await stage.create(options, ctx), ctx);
}

/** A source stage's entries as the engine sees them (counted out). */
export function sourceOf<S extends z.ZodType>(stage: SourceStage<S>, options: z.output<S>, ctx: StageContext): Observable<Entry> {
  return defer(async () => stage.create(options, ctx)).pipe(mergeMap((entries) => countedSource(entries, ctx)));
}
