import type { z } from 'zod';
import { suggestionSuffix, didYouMean } from '../util/did-you-mean.js';
import { describeSchema, describeValue, knownKeys, quote, schemaAt, type JsonSchema } from './describe-schema.js';
import type { PathSegment } from './locate.js';

/**
 * Zod issues in plain words: `expected a positive integer, got -1`, `unknown option "concurency"; did you mean
 * "concurrency"?`, `missing required option "api" (a URL)`. A message the schema's author wrote (`.min(1, '…')`,
 * `.refine(…, '…')`) is kept as written: parse with `parseWithPlainMessages`, which marks zod's own messages.
 */

/** Where an issue points in the file: at a key (unknown keys) or at the deepest node of its path. */
export interface PlainIssue {
  path: PathSegment[];
  message: string;
  at: 'key' | 'value';
  /**
   * Where in a text value the mistake is (1-based line and column in the string: a filter expression), when
   * the schema said so (`params: { textAt }` on a custom issue): the file position is then computed from it.
   */
  textAt?: TextPosition;
}

export interface TextPosition {
  line: number;
  column: number;
}

/** Stands for "zod's default message": anything else was written by the schema's author. */
const ZOD_DEFAULT = '\u0000zod-default';

export function parseWithPlainMessages<S extends z.ZodType>(schema: S, data: unknown) {
  return schema.safeParse(data, { error: () => ZOD_DEFAULT });
}

export interface PlainContext {
  /** JSON Schema of the schema that was parsed (see `inputJsonSchema`). */
  json: JsonSchema;
  /** The data that was parsed. */
  data: unknown;
  /** What a mapping key is called here: "option" in stage options, "key" at the top of the file. */
  noun: string;
}

export function plainIssues(issues: readonly z.core.$ZodIssue[], ctx: PlainContext, base: PathSegment[] = []): PlainIssue[] {
  return issues.flatMap((issue) => plainIssue(issue, ctx, [...base, ...issue.path.map(segment)]));
}

const segment = (key: PropertyKey): PathSegment => (typeof key === 'number' ? key : String(key));

function plainIssue(issue: z.core.$ZodIssue, ctx: PlainContext, path: PathSegment[]): PlainIssue[] {
  const author = issue.message !== ZOD_DEFAULT ? issue.message : undefined;
  const schema = schemaAt(ctx.json, path);
  const expected = describeSchema(ctx.json, schema);
  const { found, value } = lookup(ctx.data, path);
  const got = `, got ${describeValue(value)}`;
  const one = (message: string): PlainIssue[] => [{ path, message, at: 'value' }];

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schema);
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: `unknown ${ctx.noun} "${key}"${suggestionSuffix(key, known, `known ${ctx.noun}s`)}`,
        at: 'key' as const,
      }));
    }
    case 'invalid_type':
      if (!found && path.length > 0) {
        return one(author ?? `missing required ${ctx.noun} "${path[path.length - 1]}"${expected ? ` (${expected})` : ''}`);
      }
      return one(author ?? `expected ${expected ?? article(issue.expected)}${got}`);
    case 'too_small':
    case 'too_big':
    case 'not_multiple_of':
    case 'invalid_format':
      return one(author ?? `expected ${expected ?? fallbackExpected(issue)}${got}`);
    case 'invalid_value': {
      const close = typeof value === 'string' ? didYouMean(value, issue.values.filter((v) => typeof v === 'string')) : undefined;
      const hint = close !== undefined && close !== value ? `; did you mean "${close}"?` : '';
      const options = issue.values.length === 1 ? quote(issue.values[0]) : `one of ${issue.values.map(quote).join(', ')}`;
      return one(author ?? `expected ${expected ?? options}${got}${hint}`);
    }
    case 'invalid_union': {
      if (author) return one(author);
      // A value of the right type for one branch but wrong inside it: that branch's own issues say more.
      const deep = issue.errors.filter((branch) => branch.length > 0 && !branch.some(rejectsType));
      if (deep.length === 1) return plainIssues(deep[0], ctx, path);
      return one(`expected ${expected ?? 'another value'}${got}`);
    }
    case 'invalid_key':
    case 'invalid_element':
      if (author) return one(author);
      return issue.issues.length > 0 ? plainIssues(issue.issues, ctx, path) : one(`invalid ${describeValue(value)}`);
    case 'custom': {
      const textAt = (issue.params as { textAt?: TextPosition } | undefined)?.textAt;
      return [{ path, message: author ?? `${describeValue(value)} is not valid here`, at: 'value', ...(textAt && { textAt }) }];
    }
    default:
      return one(author ?? `${describeValue(value)} is not valid here`);
  }
}

/** The value is not of the kind a schema (or a union branch) takes at all, rather than wrong inside. */
const rejectsType = (issue: z.core.$ZodIssue): boolean =>
  issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union');

function fallbackExpected(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const limit = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
    const cmp = issue.code === 'too_small' ? (issue.inclusive ? 'at least' : 'more than') : issue.inclusive ? 'at most' : 'less than';
    if (issue.origin === 'string') return `${cmp} ${limit} characters`;
    if (issue.origin === 'array' || issue.origin === 'set') return `${cmp} ${limit} items`;
    return `a value ${cmp} ${limit}`;
  }
  if (issue.code === 'not_multiple_of') return `a multiple of ${String(issue.divisor)}`;
  if (issue.code === 'invalid_format') return issue.format === 'regex' && 'pattern' in issue ? `a string matching ${String(issue.pattern)}` : `a valid ${issue.format}`;
  return 'another value';
}

const article = (type: string): string => {
  const words: Record<string, string> = { int: 'an integer', object: 'a mapping', array: 'a list', boolean: 'true or false', undefined: 'nothing' };
  return words[type] ?? `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
};

/** The value at `path` in `data`, and whether the path exists at all (a missing key vs an explicit null). */
export function lookup(data: unknown, path: readonly PathSegment[]): { found: boolean; value: unknown } {
  let here: unknown = data;
  for (const key of path) {
    if (here === null || typeof here !== 'object' || !Object.hasOwn(here, key)) return { found: false, value: undefined };
    here = (here as Record<PathSegment, unknown>)[key];
  }
  return { found: true, value: here };
}
