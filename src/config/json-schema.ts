import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../errors.js';
import type { JsonSchema } from './describe-schema.js';
import type { StageRegistry } from '../engine/pipeline.js';
import { pipelineSettingsSchema } from './pipeline-schema.js';
import type { Stage, StageKind } from '../engine/stage.js';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * The JSON Schema (draft 2020-12) of pipeline files, built from the stages' own zod schemas so editors
 * complete and check stage names and options. `source` is one of the source stages, each item of `steps`
 * one of the steps, each item of `outputs` one of the outputs; each stage's `summary` is its description.
 * Options are described as written (`io: 'input'`): keys with defaults are optional.
 */
export function pipelineJsonSchema(registry: StageRegistry): JsonSchema {
  const defs: Record<string, JsonSchema> = {};
  const stages = [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
  const choices = (kind: StageKind): JsonSchema[] => stages.filter((s) => s.kind === kind).map((s) => stageChoice(s, defs));

  const settings = toJson(pipelineSettingsSchema, 'pipeline', defs);
  return {
    $schema: DRAFT,
    title: 'stacflow pipeline',
    description: 'A stacflow pipeline: a source of STAC items, steps that enrich and filter them, outputs that write catalogs.',
    type: 'object',
    properties: {
      ...(settings.properties as Record<string, JsonSchema>),
      source: { description: 'The stage that finds the items: one key, the stage name, with its options.', oneOf: choices('source') },
      steps: {
        description: 'Stages each item goes through, in order; each a one-key mapping { stage_name: options }.',
        type: 'array',
        items: { oneOf: choices('step') },
      },
      outputs: {
        description: 'Catalogs written from the items that come out of the steps.',
        type: 'array',
        items: { oneOf: choices('output') },
      },
    },
    required: ['source'],
    additionalProperties: false,
    $defs: defs,
  };
}

/** Writes `pipelineJsonSchema(registry)` to `path` (creating its folder), as 2-space JSON. */
export async function writePipelineJsonSchema(registry: StageRegistry, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(pipelineJsonSchema(registry), null, 2)}\n`);
}

/** `{ stage_name: options }` for one stage; its options schema goes into `$defs` under the stage name. */
function stageChoice(stage: Stage, defs: Record<string, JsonSchema>): JsonSchema {
  const options = toJson(stage.schema, stage.name, defs);
  defs[stage.name] = options;
  const ref: JsonSchema = { $ref: `#/$defs/${stage.name}` };
  // `- download:` with nothing after it is accepted for a mapping of options that all have defaults.
  const noneRequired = options.type === 'object' && !(Array.isArray(options.required) && options.required.length > 0);
  return {
    title: stage.name,
    description: stage.summary,
    type: 'object',
    properties: { [stage.name]: noneRequired ? { anyOf: [ref, { type: 'null' }] } : ref },
    required: [stage.name],
    additionalProperties: false,
  };
}

/**
 * A zod schema as JSON Schema to embed: its own `$defs` are moved into the shared ones under `prefix__name`
 * (and `#` to `prefix`), since a `$ref` in an embedded schema resolves against the document root.
 */
function toJson(schema: z.ZodType, prefix: string, defs: Record<string, JsonSchema>): JsonSchema {
  let generated: JsonSchema;
  try {
    generated = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  } catch (err) {
    throw new Error(`cannot describe the options of stage "${prefix}" as JSON Schema: ${errorMessage(err)}`, { cause: err });
  }
  const { $schema: _draft, $defs: own, ...json } = generated;
  const rename = (name: string) => `${prefix}__${name}`;
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out[k] = v === '#' ? `#/$defs/${prefix}` : v.replace(/^#\/\$defs\/(.+)$/, (_m, n: string) => `#/$defs/${rename(n)}`);
      else out[k] = rewrite(v);
    }
    return out;
  };
  for (const [name, def] of Object.entries((own as Record<string, JsonSchema> | undefined) ?? {})) defs[rename(name)] = rewrite(def) as JsonSchema;
  return rewrite(json) as JsonSchema;
}
