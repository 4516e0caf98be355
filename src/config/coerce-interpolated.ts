import { isScalar, visit, type Node, type Scalar } from 'yaml';
import { onlyScalarType, schemaAt, type JsonSchema } from './describe-schema.js';
import type { DocumentInterpolation } from './interpolate.js';
import { pathFromAncestors, type PathSegment } from './locate.js';

/**
 * Interpolated values are strings; where the schema accepts only numbers (or only booleans) and the string
 * reads as one, the value becomes that number: `concurrency: "${N:-8}"` is 8. Literal strings in the file are
 * left alone (`concurrency: "8"` stays an error), and so are schemas that also take strings.
 *
 * `node` is the YAML node of the value at `base` in `data` (plain JS from that document). Returns `data`,
 * changed in place, or the new value when `data` itself was the interpolated scalar.
 */
export function coerceInterpolated(
  data: unknown,
  node: Node,
  json: JsonSchema,
  base: readonly PathSegment[],
  interpolation: DocumentInterpolation,
): unknown {
  const { written } = interpolation;
  if (written.size === 0) return data;
  const holder = { root: data };
  const coerce = (scalar: Scalar, rel: PathSegment[]): void => {
    if (!written.has(scalar) || typeof scalar.value !== 'string') return;
    const path = [...base, ...rel];
    const type = onlyScalarType(json, schemaAt(json, path));
    const value = type && readScalar(scalar.value, type);
    if (value !== undefined) setAt(holder, path, value);
  };
  if (isScalar(node)) coerce(node, []);
  else visit(node, { Scalar: (key, scalar, ancestors) => { if (key !== 'key') coerce(scalar, pathFromAncestors(ancestors, scalar)); } });
  return holder.root;
}

/** A number or boolean as YAML's core schema writes one, else undefined. */
function readScalar(text: string, type: 'number' | 'boolean'): number | boolean | undefined {
  const t = text.trim();
  if (type === 'boolean') return /^(true|True|TRUE)$/.test(t) ? true : /^(false|False|FALSE)$/.test(t) ? false : undefined;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : undefined;
}

function setAt(holder: { root: unknown }, path: readonly PathSegment[], value: unknown): void {
  if (path.length === 0) {
    holder.root = value;
    return;
  }
  let here = holder.root as Record<PathSegment, unknown> | null;
  for (const key of path.slice(0, -1)) {
    if (here === null || typeof here !== 'object') return;
    here = here[key] as Record<PathSegment, unknown> | null;
  }
  if (here !== null && typeof here === 'object') here[path[path.length - 1]] = value;
}
