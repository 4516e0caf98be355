import { NormalizedSchema } from '@smithy/core/schema';

/**
 * Checks a JSON document against a shape of an AWS API as the AWS SDK for JavaScript v3 models it
 * (@aws-sdk/client-batch exports each shape's schema, `RegisterJobDefinitionRequest$`...): structures take
 * only their members, with their required members present; lists are arrays, maps objects, strings strings,
 * numbers numbers, booleans booleans. What the SDK's schemas do not carry (enums, ranges, patterns) the tests
 * check by hand from the API reference.
 */
export function shapeErrors(value: unknown, schema: unknown, at = '$'): string[] {
  const ns = NormalizedSchema.of(schema as never);
  if (value === undefined || value === null) return [`${at}: expected a value, got ${value}`];
  if (ns.isStructSchema()) {
    if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: expected an object (${ns.getName()})`];
    const members = new Map(ns.structIterator());
    const errors: string[] = [];
    for (const [key, member] of Object.entries(value)) {
      const memberSchema = members.get(key);
      if (!memberSchema) errors.push(`${at}.${key}: not a member of ${ns.getName()} (members: ${[...members.keys()].join(', ')})`);
      else errors.push(...shapeErrors(member, memberSchema, `${at}.${key}`));
    }
    for (const name of requiredMembers(schema)) if (!(name in value)) errors.push(`${at}: ${ns.getName()} requires ${name}`);
    return errors;
  }
  if (ns.isListSchema()) {
    if (!Array.isArray(value)) return [`${at}: expected a list`];
    return value.flatMap((item, i) => shapeErrors(item, ns.getValueSchema(), `${at}[${i}]`));
  }
  if (ns.isMapSchema()) {
    if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: expected a map (an object)`];
    return Object.entries(value).flatMap(([key, item]) => shapeErrors(item, ns.getValueSchema(), `${at}.${key}`));
  }
  if (ns.isStringSchema()) return typeof value === 'string' ? [] : [`${at}: expected a string, got ${JSON.stringify(value)}`];
  if (ns.isNumericSchema()) return typeof value === 'number' && Number.isFinite(value) ? [] : [`${at}: expected a number, got ${JSON.stringify(value)}`];
  if (ns.isBooleanSchema()) return typeof value === 'boolean' ? [] : [`${at}: expected a boolean, got ${JSON.stringify(value)}`];
  return [`${at}: a ${ns.getName() ?? 'shape'} the deploy files should not need`];
}

/**
 * The required members of a structure. The SDK's static structure schema is
 * `[3, namespace, name, traits, memberNames, memberSchemas, requiredCount]`: the first `requiredCount` members
 * are the required ones (NormalizedSchema gives no `required` trait for them). A member schema wraps its target.
 */
export function requiredMembers(schema: unknown): string[] {
  const raw = NormalizedSchema.of(schema as never).getSchema() as unknown;
  if (!Array.isArray(raw) || raw[0] !== 3 || !Array.isArray(raw[4])) return [];
  return typeof raw[6] === 'number' ? (raw[4] as string[]).slice(0, raw[6]) : [];
}
