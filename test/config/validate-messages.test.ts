import { z } from 'zod';
import { didYouMean } from '../../src/util/did-you-mean.js';
import { describeSchema, describeValue, inputJsonSchema, onlyScalarType, schemaAt } from '../../src/config/describe-schema.js';
import { formatPath } from '../../src/config/locate.js';
import { parseWithPlainMessages, plainIssues } from '../../src/config/plain-issues.js';

/** The words of validation messages: suggestions, what a schema accepts, zod issues in plain language. */

describe('didYouMean', () => {
  const stages = ['stac_search', 'fetch_label', 'select', 'filter', 'download', 'rclone_manifest'];

  test('finds a close name despite typos, case and dashes', () => {
    expect(didYouMean('fetch_lable', stages)).toBe('fetch_label');
    expect(didYouMean('Fetch-Label', stages)).toBe('fetch_label');
    expect(didYouMean('filtr', stages)).toBe('filter');
    expect(didYouMean('dowload', stages)).toBe('download');
  });

  test('says nothing when no name is close', () => {
    expect(didYouMean('reproject', stages)).toBeUndefined();
    expect(didYouMean('x', stages)).toBeUndefined();
    expect(didYouMean('filter', [])).toBeUndefined();
  });
});

describe('describeSchema', () => {
  const words = (schema: z.ZodType) => {
    const json = inputJsonSchema(schema);
    return describeSchema(json, json);
  };

  test.each<[string, z.ZodType, string]>([
    ['positive integer', z.number().int().positive(), 'a positive integer'],
    ['integer >= 1', z.number().int().min(1), 'a positive integer'],
    ['non-negative integer', z.number().int().nonnegative(), 'a non-negative integer'],
    ['bounded integer', z.number().int().min(1).max(64), 'an integer from 1 to 64'],
    ['integer', z.number().int(), 'an integer'],
    ['number above', z.number().gt(0.5), 'a number greater than 0.5'],
    ['number range', z.number().min(-90).max(90), 'a number from -90 to 90'],
    ['URL', z.string().url(), 'a URL'],
    ['non-empty string', z.string().min(1), 'a non-empty string'],
    ['boolean', z.boolean(), 'true or false'],
    ['enum', z.enum(['GET', 'POST']), 'one of "GET", "POST"'],
    ['literal', z.literal('s3_noauth'), '"s3_noauth"'],
    ['list of 4 numbers', z.array(z.number()).length(4), 'a list of 4 numbers'],
    ['non-empty list', z.array(z.string()).min(1), 'a non-empty list of strings'],
    ['union', z.union([z.string(), z.array(z.string())]), 'a string or a list of strings'],
    ['mapping', z.object({ a: z.string() }), 'a mapping'],
    ['optional with default', z.number().int().positive().default(8), 'a positive integer'],
  ])('%s', (_name, schema, expected) => {
    expect(words(schema)).toBe(expected);
  });

  test('finds the schema at a path through objects, arrays and unions', () => {
    const json = inputJsonSchema(z.object({ a: z.array(z.object({ b: z.union([z.number(), z.object({ c: z.boolean() })]) })) }));
    expect(describeSchema(json, schemaAt(json, ['a', 0, 'b', 'c']))).toBe('true or false');
    expect(schemaAt(json, ['nope'])).toBeUndefined();
  });

  test('knows when a schema wants only numbers or only booleans', () => {
    const json = inputJsonSchema(z.object({ n: z.number().int().optional(), b: z.boolean(), s: z.union([z.string(), z.number()]), a: z.any() }));
    expect(['n', 'b', 's', 'a'].map((k) => onlyScalarType(json, schemaAt(json, [k])))).toEqual(['number', 'boolean', undefined, undefined]);
  });

  test('describes values from the file', () => {
    expect([describeValue('abc'), describeValue(-1), describeValue(null), describeValue([1]), describeValue({}), describeValue(false)]).toEqual(
      ['"abc"', '-1', 'nothing', 'a list of 1 item', 'a mapping', 'false'],
    );
    expect(describeValue('x'.repeat(100))).toBe(`"${'x'.repeat(57)}..."`);
  });
});

describe('plainIssues', () => {
  const messages = (schema: z.ZodType, data: unknown) => {
    const parsed = parseWithPlainMessages(schema, data);
    if (parsed.success) throw new Error('expected a failure');
    return plainIssues(parsed.error.issues, { json: inputJsonSchema(schema), data, noun: 'option' }).map(
      (i) => `${formatPath(i.path)} (${i.at}): ${i.message}`,
    );
  };

  test('keeps messages written by the schema author', () => {
    const schema = z.object({ expr: z.string().min(1, 'write a CQL2 expression'), n: z.number().refine((n) => n % 2 === 0, 'must be even') });
    expect(messages(schema, { expr: '', n: 3 })).toEqual(['expr (value): write a CQL2 expression', 'n (value): must be even']);
  });

  test('follows the one union branch a value was meant for', () => {
    const schema = z.object({ to: z.union([z.string(), z.object({ bucket: z.string(), prefix: z.string() }).strict()]) });
    expect(messages(schema, { to: { bucket: 'b', prefx: 'p' } })).toEqual([
      'to.prefix (value): missing required option "prefix" (a string)',
      'to.prefx (key): unknown option "prefx"; did you mean "prefix"?',
    ]);
    expect(messages(schema, { to: 3 })).toEqual(['to (value): expected a string or a mapping, got 3']);
  });

  test('says what a refinement without message rejected', () => {
    expect(messages(z.string().refine(() => false), 'x')).toEqual([' (value): "x" is not valid here']);
  });

  test('an unknown key with no close match lists the known ones', () => {
    expect(messages(z.object({ path: z.string() }).strict(), { path: 'a', colour: 1 })).toEqual([
      'colour (key): unknown option "colour"; known options: path',
    ]);
  });
});
