import { z } from 'zod';
import { httpLimitsSchema, parseByteSize, parseDuration } from '../http/limits.js';
import { DEFAULT_OUTPUT_S3, MIN_PART_BYTES, type OutputS3Settings } from '../remote-output/settings.js';
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

/** A size (`16MiB`) or a duration (`30m`) of outputs_s3, checked as the `http:` ones are. */
const measured = (parse: (value: string | number) => number | undefined, min: number, example: string) =>
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const parsed = parse(value);
    if (parsed === undefined || parsed < min) {
      ctx.addIssue({ code: 'custom', message: `expected ${example} (at least ${min}), got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return parsed;
  });

export const outputsS3SettingsSchema = z
  .object({
    region: z.string().default('').describe("Region of the output bucket; empty: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1 (on AWS a bucket in another region is followed there)."),
    endpoint: z
      .string()
      .regex(/^(https?:\/\/.+)?$/, 'expected an http(s) URL, or nothing to use AWS')
      .default('')
      .describe('An S3-compatible endpoint (MinIO, the sandbox) the s3:// outputs are written to, signed; empty: AWS. Never taken from s3.endpoint: credentials go only here.'),
    force_path_style: z.boolean().optional().describe('Path-style requests (endpoint/bucket/key); default true with an endpoint, false on AWS.'),
    part_size: measured(parseByteSize, MIN_PART_BYTES, 'a size such as 16MiB').optional().describe('Files up to this size are one PutObject, larger ones a multipart upload of such parts; default 16MiB, at least 5MiB.'),
    parts_in_flight: z.number().int().min(1).max(64).optional().describe('Parts uploaded at once, default 4.'),
    max_read_bytes: measured(parseByteSize, 1, 'a size such as 64GiB').optional().describe('Largest s3:// output read back (stacflow merge reading shard files), default 64GiB.'),
    read_timeout: measured(parseDuration, 1, 'a duration such as 30m').optional().describe('Deadline of one read back, default 30m.'),
  })
  .strict()
  .transform((o): OutputS3Settings =>
    Object.freeze({
      region: o.region,
      endpoint: o.endpoint,
      forcePathStyle: o.force_path_style ?? o.endpoint !== '',
      partSizeBytes: o.part_size ?? DEFAULT_OUTPUT_S3.partSizeBytes,
      partsInFlight: o.parts_in_flight ?? DEFAULT_OUTPUT_S3.partsInFlight,
      maxReadBytes: o.max_read_bytes ?? DEFAULT_OUTPUT_S3.maxReadBytes,
      readTimeoutMs: o.read_timeout ?? DEFAULT_OUTPUT_S3.readTimeoutMs,
    }),
  )
  .describe('How outputs, reports and step files whose path is s3://BUCKET/KEY are uploaded (signed: the AWS default credential chain) and read back.');

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
  outputs_s3: outputsS3SettingsSchema.prefault({}),
  http: httpLimitsSchema.prefault({}),
});

export type PipelineSettings = z.output<typeof pipelineSettingsSchema>;

/** The slot each stage kind fills, as written in YAML. */
export const STAGE_SLOTS = { source: 'source', step: 'steps', output: 'outputs' } as const;

export const TOP_LEVEL_KEYS: readonly string[] = [...Object.keys(pipelineSettingsSchema.shape), 'source', 'steps', 'outputs'];
