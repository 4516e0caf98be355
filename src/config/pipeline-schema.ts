import { z } from 'zod';
import { httpLimitsSchema } from '../http/limits.js';
import { cronProblem, timezoneProblem } from './cron-schedule.js';

/**
 * The top level of a pipeline file apart from its stages (DESIGN.md, "A pipeline file"). `source`, `steps` and
 * `outputs` are checked against the stage registry in `validate.ts`; their JSON Schema in `json-schema.ts`.
 */

/** Cron, loosely, for the JSON Schema: 5 fields (minute hour day month weekday) or 6 (with seconds first). */
const CRON = /^\s*[\d*?LW#/,A-Za-z-]+(\s+[\d*?LW#/,A-Za-z-]+){4,5}\s*$/;

export const s3SettingsSchema = z
  .object({
    region: z.string().min(1).default('us-west-2').describe('AWS region of the buckets the hrefs point to.'),
    anonymous: z.boolean().default(true).describe('Unsigned requests (public buckets such as USGS astrogeology).'),
    endpoint: z
      .string()
      .regex(/^(https?:\/\/.+)?$/, 'expected an http(s) URL, or nothing to use AWS')
      .default('')
      .describe('An S3-compatible endpoint (path-style) every S3 read goes to, e.g. the sandbox; empty: AWS.'),
  })
  .strict()
  .describe('How S3 hrefs (labels and downloads) are read.');

export const pipelineSettingsSchema = z.object({
  name: z
    .string()
    .min(1)
    .optional()
    .describe('Names the run in logs and the report; defaults to the file name without extension.'),
  schedule: z
    .string()
    .regex(CRON, 'expected a cron schedule of 5 or 6 fields, such as "0 3 * * *"')
    .superRefine((pattern, ctx) => {
      // Then croner, which runs it, says what is wrong in a well-shaped one (`61 * * * *`).
      const problem = CRON.test(pattern) ? cronProblem(pattern) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .describe('Cron schedule for `run-pipeline --schedule`, e.g. "0 3 * * *" (5 fields, or 6 with seconds first).'),
  schedule_timezone: z
    .string()
    .superRefine((zone, ctx) => {
      const problem = timezoneProblem(zone);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .describe('IANA time zone the `schedule` is read in, e.g. "Europe/Berlin"; default: the machine\'s.'),
  state: z.string().min(1).optional().describe('SQLite file of incremental state; omit for stateless runs.'),
  report: z.string().min(1).optional().describe('Where the JSON run report is written.'),
  fail_fast: z
    .union([z.number().int().min(1), z.literal(false)])
    .default(20)
    .describe(
      'End the run when this many entries in a row fail in one stage with the same error code (every label read failing on a wrong endpoint), ' +
        'with one message naming the cause; false: never (every item is tried and reported).',
    ),
  s3: s3SettingsSchema.prefault({}),
  http: httpLimitsSchema.prefault({}),
});

export type PipelineSettings = z.output<typeof pipelineSettingsSchema>;

/** The slot each stage kind fills, as written in YAML. */
export const STAGE_SLOTS = { source: 'source', step: 'steps', output: 'outputs' } as const;

export const TOP_LEVEL_KEYS: readonly string[] = [...Object.keys(pipelineSettingsSchema.shape), 'source', 'steps', 'outputs'];
