import { isAlias, isMap, isPair, isScalar, isSeq, visit, type Alias, type Document, type Node } from 'yaml';
import type { ConfigIssue } from '../errors.js';
import { pathFromAncestors, type Locator } from './locate.js';

/**
 * Values a pipeline file may stand for once its aliases are expanded. A real pipeline is a few hundred; a
 * "billion laughs" file (each alias repeating the one before) is billions, built in memory by any reader.
 */
export const MAX_EXPANDED_VALUES = 100_000;

/** Nesting (mappings and lists inside each other, aliases followed) a pipeline file may have. */
export const MAX_YAML_DEPTH = 200;

/**
 * What is wrong with a document's aliases, as located issues (none when they are fine), checked before
 * anything converts the document to JS (yaml's `toJS` would expand them):
 * - an alias inside the node it refers to (`name: &n [*n]`) stands for an endless value;
 * - aliases that expand the file to more than MAX_EXPANDED_VALUES values (an alias bomb);
 * - nesting deeper than MAX_YAML_DEPTH, aliases followed.
 * Each issue points at the alias (file:line:col, YAML path) that breaks the rule.
 */
export function aliasIssues(doc: Document, locator: Locator): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const aliases: Array<{ node: Alias; target: Node; ancestors: readonly unknown[] }> = [];
  visit(doc, {
    Alias(_key, node, ancestors) {
      const target = node.resolve(doc) as Node | undefined;
      if (target === undefined) return;
      if (ancestors.includes(target)) {
        issues.push(locator.issue(node, pathFromAncestors(ancestors, node), `alias *${node.source} is inside the value &${node.source} it refers to: it would stand for an endless value`));
        return;
      }
      aliases.push({ node, target, ancestors: [...ancestors] });
    },
  });
  if (issues.length > 0 || aliases.length === 0) return issues;

  // Expanded sizes, each node measured once (memo): a bomb of ten levels costs ten measurements, not 10^9.
  const sizes = new Map<unknown, { values: number; depth: number }>();
  const measure = (node: unknown, depth: number): { values: number; depth: number } => {
    if (depth > MAX_YAML_DEPTH) throw new TooDeep();
    const known = sizes.get(node);
    if (known !== undefined) return known;
    let values = 1;
    let deepest = 0;
    const add = (child: unknown): void => {
      const size = measure(child, depth + 1);
      values = Math.min(values + size.values, Number.MAX_SAFE_INTEGER);
      deepest = Math.max(deepest, size.depth);
    };
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (target !== undefined) add(target);
    } else if (isMap(node) || isSeq(node)) {
      for (const item of node.items) {
        if (isPair(item)) {
          add(item.key);
          add(item.value);
        } else add(item);
      }
    } else if (!isScalar(node)) {
      values = node == null ? 0 : 1;
    }
    const size = { values, depth: deepest + 1 };
    sizes.set(node, size);
    return size;
  };
  let total = 0;
  for (const { node, target, ancestors } of aliases) {
    let size: { values: number; depth: number };
    try {
      size = measure(target, ancestors.length);
    } catch (err) {
      if (!(err instanceof TooDeep)) throw err;
      return [locator.issue(node, pathFromAncestors(ancestors, node), `alias *${node.source} nests values deeper than ${MAX_YAML_DEPTH} levels`)];
    }
    if (ancestors.length + size.depth > MAX_YAML_DEPTH) {
      return [locator.issue(node, pathFromAncestors(ancestors, node), `alias *${node.source} nests values deeper than ${MAX_YAML_DEPTH} levels`)];
    }
    total += size.values;
    if (total > MAX_EXPANDED_VALUES) {
      const what = size.values > MAX_EXPANDED_VALUES ? `*${node.source} alone stands for ${size.values.toLocaleString('en-US')} values` : `*${node.source} brings them past it`;
      return [
        locator.issue(
          node,
          pathFromAncestors(ancestors, node),
          `aliases expand this file to more than ${MAX_EXPANDED_VALUES.toLocaleString('en-US')} values (an alias bomb?): ${what}; write the values out instead`,
        ),
      ];
    }
  }
  return issues;
}

class TooDeep extends Error {}
