import { inputJsonSchema } from './describe-schema.js';
import type { Stage } from '../engine/stage.js';

/** One option of a stage, as `stacflow stages` and the docs show it. */
export interface OptionDoc {
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  additionalProperties?: JsonSchema | boolean;
};

/** The options of a stage, read off its zod schema (the one source of truth for validation and docs). */
export function stageOptionDocs(stage: Stage): OptionDoc[] {
  const schema = inputJsonSchema(stage.schema) as JsonSchema;
  const objectSchema = findObject(schema);
  if (!objectSchema?.properties) return [{ name: '(value)', type: typeName(schema), required: true, description: schema.description }];
  const required = new Set(objectSchema.required ?? []);
  return Object.entries(objectSchema.properties).map(([name, prop]) => ({
    name,
    type: typeName(prop),
    required: required.has(name) && prop.default === undefined,
    default: prop.default,
    description: prop.description,
  }));
}

function findObject(schema: JsonSchema): JsonSchema | undefined {
  if (schema.properties) return schema;
  for (const alt of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    const found = findObject(alt);
    if (found) return found;
  }
  return undefined;
}

function typeName(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const alts = schema.anyOf ?? schema.oneOf;
  if (alts) return [...new Set(alts.map(typeName))].join(' | ');
  if (schema.type === 'array') return `${schema.items ? typeName(schema.items) : 'any'}[]`;
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  if (schema.type === 'object' && !schema.properties && typeof schema.additionalProperties === 'object') {
    return `{ name: ${typeName(schema.additionalProperties)} }`;
  }
  return schema.type ?? 'any';
}
