import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { ConfigIssue } from '../errors.js';

/** One step of a YAML path: a mapping key or a sequence index. */
export type PathSegment = string | number;

/** `['steps', 2, 'fetch_label', 'concurrency']` → `steps[2].fetch_label.concurrency` (indexes from 0). */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** The path of `node` given its ancestors as `yaml`'s `visit` passes them (Document, YAMLMap, Pair, YAMLSeq…). */
export function pathFromAncestors(ancestors: readonly unknown[], node: unknown): PathSegment[] {
  const segments: PathSegment[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isPair(parent) && child === parent.value) segments.push(keyText(parent.key));
    else if (isSeq(parent)) segments.push(parent.items.indexOf(child as never));
  }
  return segments;
}

/** A mapping key as text (`1:` and `"1":` are the same key once converted to JS). */
export function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

export interface Descent {
  /** The deepest node reached; the key node when the value itself is absent (`fetch_label:` with nothing). */
  node: Node;
  /** The key node of the last mapping step taken, if any (where an unknown key is pointed at). */
  keyNode?: Node;
  /** How many segments were followed (less than all when the path leaves the file, e.g. a missing key). */
  depth: number;
}

/** Follow `segments` from `start` as far as the document goes (aliases are followed). */
export function descend(doc: Document, start: Node, segments: readonly PathSegment[]): Descent {
  let node: Node = start;
  let keyNode: Node | undefined;
  let depth = 0;
  for (const segment of segments) {
    const here: unknown = isAlias(node) ? node.resolve(doc) : node;
    if (isMap(here)) {
      const pair = here.items.find((p) => keyText(p.key) === String(segment));
      if (!pair) break;
      keyNode = pair.key as Node;
      depth++;
      if (isAbsent(pair.value)) {
        node = keyNode; // `fetch_label:` with nothing: the key is the best place to point at
        break;
      }
      node = pair.value as Node;
    } else if (isSeq(here) && typeof segment === 'number' && here.items[segment] != null) {
      node = here.items[segment] as Node;
      keyNode = undefined;
      depth++;
    } else {
      break;
    }
  }
  return { node, keyNode, depth };
}

/** `key:` with nothing after it: no node, or an empty null scalar (zero-length, so nothing to point at). */
export function isAbsent(node: unknown): boolean {
  if (node == null) return true;
  return isScalar(node) && node.value === null && (!node.range || node.range[0] === node.range[1]);
}

/** Turns nodes into located issues for one file. */
export class Locator {
  constructor(
    readonly file: string,
    private readonly lineCounter: LineCounter,
    /** The file's text, to place a position inside a scalar (undefined: issues stay at the scalar's start). */
    private readonly source?: string,
  ) {}

  at(offset: number): { line: number; col: number } {
    return this.lineCounter.linePos(offset);
  }

  /**
   * An issue at `node` (or at the top of the file when there is no node); `textAt`, a position inside the
   * node's string value (a filter expression's mistake), moves it there when the value is written as is.
   */
  issue(node: Node | undefined | null, path: readonly PathSegment[], message: string, textAt?: { line: number; column: number }): ConfigIssue {
    const offset = textAt && node ? offsetInScalar(node, this.source, textAt) : undefined;
    const { line, col } = offset !== undefined ? this.at(offset) : node?.range ? this.at(node.range[0]) : { line: 1, col: 1 };
    return { file: this.file, line, col, path: formatPath(path), message };
  }
}

/** Issues in reading order: by line, then column (sort is stable, so ties keep their discovery order). */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.col - b.col);
}

/**
 * The file offset of `at` (1-based line and column in a scalar's string value), when the scalar is written
 * so that its value is its source text: plain, or quoted without escapes, on the lines it spans. A block
 * scalar or an escaped string gives undefined (the issue then points at the scalar).
 */
function offsetInScalar(node: Node, source: string | undefined, at: { line: number; column: number }): number | undefined {
  if (source === undefined || !isScalar(node) || typeof node.value !== 'string' || !node.range) return undefined;
  const quote = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : node.type === 'PLAIN' ? 0 : undefined;
  if (quote === undefined) return undefined;
  const start = node.range[0] + quote;
  const written = source.slice(start, start + node.value.length);
  if (written !== node.value) return undefined;
  const lines = node.value.split('\n');
  if (at.line < 1 || at.line > lines.length) return undefined;
  let offset = start;
  for (let i = 0; i < at.line - 1; i += 1) offset += lines[i].length + 1;
  return offset + Math.min(Math.max(at.column - 1, 0), lines[at.line - 1].length);
}
