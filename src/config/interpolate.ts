import { isScalar, visit, type Document, type Scalar } from 'yaml';
import { pathFromAncestors, type PathSegment } from './locate.js';

/**
 * `${VAR}` and `${VAR:-default}` in pipeline files (DESIGN.md, "A pipeline file").
 *
 * - `${VAR}` is the variable's value; unset, it is an issue ("set it or give a default").
 * - `${VAR:-default}` is the default when VAR is unset or empty (as in the shell); `${VAR:-}` is ''.
 *   The default is taken literally up to the first `}` (no nesting).
 * - `$${` is a literal `${`; a `$` not followed by `{` is kept as is.
 *
 * It works on the parsed YAML scalars, never on the raw text, so YAML quoting cannot be broken by a value and
 * issues keep their line and column. Only values are interpolated, never mapping keys.
 *
 * Types: an interpolated value is a string. Where a stage's schema wants a number or a boolean (and nothing
 * else) and the string reads as one (`"8"`, `"true"`), validation converts it (see `validate.ts`), so
 * `max_items: "${MAX_ITEMS:-200}"` works while `name: "${NAME}"` with NAME=123 stays the string "123".
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface InterpolatedString {
  /** The text with every reference replaced (an unset variable without default gives ''). */
  value: string;
  /** What went wrong, one message per bad reference; empty when all went well. */
  problems: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function interpolateString(text: string, env: Env): InterpolatedString {
  const problems: string[] = [];
  let value = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) break;
    value += text.slice(i, dollar);
    if (text.startsWith('$${', dollar)) {
      value += '${';
      i = dollar + 3;
      continue;
    }
    if (text[dollar + 1] !== '{') {
      value += '$';
      i = dollar + 1;
      continue;
    }
    const close = text.indexOf('}', dollar + 2);
    if (close < 0) {
      problems.push(`unclosed "\${" in "${text}": close it with "}", or write "$\${" for a literal "\${"`);
      value += text.slice(dollar);
      i = text.length;
      break;
    }
    const reference = text.slice(dollar + 2, close);
    const sep = reference.indexOf(':-');
    const name = sep < 0 ? reference : reference.slice(0, sep);
    if (!NAME.test(name)) {
      problems.push(`"\${${reference}}" is not a variable reference: write \${NAME} or \${NAME:-default}`);
    } else {
      const set = env[name];
      if (sep >= 0) value += set === undefined || set === '' ? reference.slice(sep + 2) : set;
      else if (set !== undefined) value += set;
      else problems.push(`environment variable ${name} is not set: set it, or give a default with \${${name}:-default}`);
    }
    i = close + 1;
  }
  return { value: value + text.slice(i), problems };
}

export interface InterpolationProblem {
  node: Scalar;
  path: PathSegment[];
  message: string;
}

export interface DocumentInterpolation {
  /** Every scalar whose value was rewritten, with its text as written (to say where a bad value came from). */
  readonly written: ReadonlyMap<Scalar, string>;
  readonly problems: readonly InterpolationProblem[];
}

/** Interpolates every string scalar value of `doc` in place. */
export function interpolateDocument(doc: Document, env: Env): DocumentInterpolation {
  const written = new Map<Scalar, string>();
  const problems: InterpolationProblem[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const original = node.value;
      const result = interpolateString(original, env);
      for (const message of result.problems) {
        problems.push({ node, path: pathFromAncestors(ancestors, node), message });
      }
      if (result.value !== original || result.problems.length > 0) {
        node.value = result.value;
        written.set(node, original);
      }
    },
  });
  return { written, problems };
}

/** Whether `node` (possibly from `descend`) is a scalar that interpolation rewrote. */
export const wasInterpolated = (report: DocumentInterpolation, node: unknown): node is Scalar =>
  isScalar(node) && report.written.has(node);
