import { EMPTY } from 'rxjs';
import { z } from 'zod';
import type { StageRegistry } from '../../src/engine/pipeline.js';
import type { OutputStage, SourceStage, Stage, StepStage } from '../../src/engine/stage.js';

/** Small stand-ins for the real operators: only their names, kinds and schemas matter to the loader. */

const source = (name: string, schema: z.ZodType): SourceStage => ({
  kind: 'source', name, schema, summary: `${name} (test source)`, example: '', create: () => EMPTY,
});
const step = (name: string, schema: z.ZodType): StepStage => ({
  kind: 'step', name, schema, summary: `${name} (test step)`, example: '', create: () => (entries) => entries,
});
const output = (name: string, schema: z.ZodType): OutputStage => ({
  kind: 'output', name, schema, summary: `${name} (test output)`, example: '',
  create: () => ({ write() {}, finish: async () => ({ path: '', rows: 0 }), abort: async () => {} }),
});

export const testStages: Stage[] = [
  source(
    'stac_search',
    z.object({
      api: z.string().url().describe('STAC API landing page'),
      collections: z.array(z.string()).min(1).optional(),
      bbox: z.array(z.number()).length(4).optional(),
      max_items: z.number().int().positive().optional(),
      per_collection: z.boolean().default(false),
      concurrency: z.number().int().positive().default(8),
    }).strict(),
  ),
  step(
    'fetch_label',
    z.object({
      asset: z.string().min(1),
      as: z.string().min(1),
      concurrency: z.number().int().positive().default(8),
      method: z.enum(['GET', 'HEAD']).default('GET'),
    }).strict(),
  ),
  step('fetch', z.object({ concurrency: z.number().int().positive().default(8) }).strict()),
  step('select', z.record(z.string(), z.string())),
  step('filter', z.string().min(1, 'write a CQL2 expression such as "incidence_angle < 80"')),
  step(
    'download',
    z.object({
      assets: z.array(z.string()).min(1).default(['image']),
      to: z.string().default('data/{collection}/{id}/'),
      overwrite: z.boolean().default(false),
      concurrency: z.number().int().min(1).max(64).default(4),
    }).strict(),
  ),
  output('csv', z.object({ path: z.string().min(1), columns: z.array(z.string()).optional() }).strict()),
  output('ndjson', z.object({ path: z.string().min(1) }).strict()),
];

export const testRegistry: StageRegistry = new Map(testStages.map((s) => [s.name, s]));
