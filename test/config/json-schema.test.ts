import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { JsonSchema } from '../../src/config/describe-schema.js';
import { pipelineJsonSchema, writePipelineJsonSchema } from '../../src/config/json-schema.js';
import type { StageRegistry } from '../../src/engine/pipeline.js';
import { testRegistry, testStages } from './load-test-stages.js';

/**
 * A small validator for the keywords the generated schema uses, so the tests can check documents against it
 * without a JSON Schema library. It returns the paths it rejected (empty: valid).
 */
function check(root: JsonSchema, schema: JsonSchema, value: unknown, path = '$'): string[] {
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref.replace('#/$defs/', '');
    return check(root, (root.$defs as Record<string, JsonSchema>)[target], value, path);
  }
  const fail = [path];
  if (Array.isArray(schema.oneOf)) {
    const passing = (schema.oneOf as JsonSchema[]).filter((s) => check(root, s, value, path).length === 0);
    if (passing.length !== 1) return fail;
  }
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as JsonSchema[]).some((s) => check(root, s, value, path).length === 0)) return fail;
  if ('const' in schema && schema.const !== value) return fail;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return fail;
  const type = schema.type as string | undefined;
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  if (type === 'object' && !isObject) return fail;
  if (type === 'array' && !Array.isArray(value)) return fail;
  if (type === 'string' && typeof value !== 'string') return fail;
  if (type === 'boolean' && typeof value !== 'boolean') return fail;
  if (type === 'null' && value !== null) return fail;
  if (type === 'number' && typeof value !== 'number') return fail;
  if (type === 'integer' && !Number.isInteger(value)) return fail;
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return fail;
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) return fail;
    if (typeof schema.maximum === 'number' && value > schema.maximum) return fail;
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) return fail;
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) return fail;
  }
  const errors: string[] = [];
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) return fail;
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) return fail;
    if (schema.items) value.forEach((v, i) => errors.push(...check(root, schema.items as JsonSchema, v, `${path}[${i}]`)));
  }
  if (isObject) {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in value)) errors.push(`${path}.${key}`);
    for (const [key, v] of Object.entries(value)) {
      if (properties[key]) errors.push(...check(root, properties[key], v, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}.${key}`);
      else if (typeof schema.additionalProperties === 'object') errors.push(...check(root, schema.additionalProperties as JsonSchema, v, `${path}.${key}`));
    }
  }
  return errors;
}

const schema = pipelineJsonSchema(testRegistry);
const validate = (doc: unknown) => check(schema, schema, doc);

const VALID = `
name: kaguya-tc
schedule: "0 3 * * *"
s3: { region: us-west-2, anonymous: true }
source:
  stac_search: { api: "https://stac.astrogeology.usgs.gov/api/", collections: [a, b], max_items: 200 }
steps:
  - fetch_label: { asset: caminfo_pvl, as: caminfo, concurrency: 32 }
  - select: { incidence_angle: caminfo.Caminfo.Geometry.IncidenceAngle }
  - filter: "incidence_angle < 80"
  - download:
outputs:
  - csv: { path: out/kaguya-tc.csv }
`;

test('is a draft 2020-12 schema of the top-level keys, with source required and nothing else allowed', () => {
  expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  expect(Object.keys(schema.properties as object)).toEqual(['name', 'schedule', 'schedule_timezone', 'state', 'report', 'fail_fast', 's3', 'outputs_s3', 'http', 'source', 'steps', 'outputs']);
  expect(schema.required).toEqual(['source']);
  expect(schema.additionalProperties).toBe(false);
});

test('lists each stage in its slot, described by its summary', () => {
  const props = schema.properties as Record<string, JsonSchema>;
  const names = (choices: unknown) => (choices as JsonSchema[]).map((c) => [c.title, c.description]);
  expect(names(props.source.oneOf)).toEqual([['stac_search', 'stac_search (test source)']]);
  expect(names((props.steps.items as JsonSchema).oneOf).map(([n]) => n)).toEqual(['download', 'fetch', 'fetch_label', 'filter', 'select']);
  expect(names((props.outputs.items as JsonSchema).oneOf).map(([n]) => n)).toEqual(['csv', 'ndjson']);
});

test('describes options as written: keys with defaults are optional, defaults shown', () => {
  const fetchLabel = (schema.$defs as Record<string, JsonSchema>).fetch_label;
  expect(fetchLabel.required).toEqual(['asset', 'as']);
  expect((fetchLabel.properties as Record<string, JsonSchema>).concurrency).toMatchObject({ type: 'integer', default: 8, exclusiveMinimum: 0 });
  expect((schema.$defs as Record<string, JsonSchema>).filter).toMatchObject({ type: 'string', minLength: 1 });
});

test('accepts a valid pipeline document', () => {
  expect(validate(parse(VALID))).toEqual([]);
});

test('rejects what the loader rejects: unknown keys and stages, wrong slots, bad options', () => {
  const doc = parse(VALID);
  expect(validate({ ...doc, shedule: 'x' })).toEqual(['$.shedule']);
  expect(validate({ ...doc, source: { fetch_label: { asset: 'a', as: 'b' } } })).toEqual(['$.source']);
  expect(validate({ ...doc, steps: [{ fetch_lable: {} }] })).toEqual(['$.steps[0]']);
  expect(validate({ ...doc, steps: [{ fetch: { concurrency: 0 } }] })).toEqual(['$.steps[0]']);
  expect(validate({ ...doc, outputs: [{ csv: {} }] })).toEqual(['$.outputs[0]']);
  expect(validate({ ...doc, schedule: 'daily' })).toEqual(['$.schedule']);
  expect(validate({ steps: [] })).toEqual(['$.source']);
});

test('keeps shared definitions of a stage schema resolvable from the document root', () => {
  const point = z.object({ x: z.number(), y: z.number() }).meta({ id: 'point' });
  const registry: StageRegistry = new Map([
    ...testRegistry,
    ['shapes', { ...testStages.find((s) => s.name === 'select')!, name: 'shapes', schema: z.object({ a: point, b: point }).strict() }],
  ]);
  const json = pipelineJsonSchema(registry);
  const text = JSON.stringify(json);
  for (const [, ref] of text.matchAll(/"\$ref":"#\/\$defs\/([^"]+)"/g)) expect(Object.keys(json.$defs as object)).toContain(ref);
  const doc = { source: { stac_search: { api: 'http://h/' } }, steps: [{ shapes: { a: { x: 1, y: 2 }, b: { x: 3, y: 4 } } }] };
  expect(check(json, json, doc)).toEqual([]);
  expect(check(json, json, { ...doc, steps: [{ shapes: { a: { x: 1 }, b: { x: 3, y: 4 } } }] })).toEqual(['$.steps[0]']);
});

test('writePipelineJsonSchema writes it as JSON, creating the folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'stacflow-schema-'));
  try {
    const file = join(dir, 'config', 'pipeline.schema.json');
    await writePipelineJsonSchema(testRegistry, file);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(schema);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
