import { readFile } from 'node:fs/promises';
import { isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { descend, formatPath, Locator, type PathSegment } from '../config/locate.js';
import { applyOverrides } from '../config/overrides.js';
import type { PlanIssue } from './dry-run-types.js';

/**
 * Gives each issue of the dry run its place: `file:line:col path` in the pipeline file, or the `--set`
 * argument that wrote the value. The loaded pipeline keeps no positions for option values, so the file is
 * parsed again here (it was read and validated moments ago; a few kB), with the same overrides applied.
 */
export async function locateIssues(file: string, set: readonly string[], issues: readonly PlanIssue[]): Promise<void> {
  const wanted = issues.filter((i) => i.at === undefined && (i.path !== undefined || i.collection !== undefined));
  if (wanted.length === 0) return;
  const text = await readFile(file, 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const { applied } = applyOverrides(doc, set);
  const overridden = applied.map((o) => ({ argument: o.argument, path: formatPath(o.path) })).reverse();
  const locator = new Locator(file, lineCounter, text);
  const root = doc.contents as Node | null;
  for (const issue of wanted) {
    const segments = issue.path ?? collectionPath(doc.getIn(['source', 'stac_search', 'collections'], true), issue.collection!);
    const path = formatPath(segments);
    const by = overridden.find((o) => path === o.path || path.startsWith(`${o.path}.`) || path.startsWith(`${o.path}[`));
    if (by) {
      issue.at = `--set ${by.argument}`;
      continue;
    }
    if (!root) continue;
    const { node } = descend(doc, root, segments);
    const { file: where, line, col } = locator.issue(node, segments, '');
    issue.at = `${where}:${line}:${col} ${path}`;
  }
  for (const issue of issues) {
    delete issue.path;
    delete issue.collection;
  }
}

/** `source.stac_search.collections[i]` of the id when the list holds it, else the option itself (a comma-separated string). */
function collectionPath(node: unknown, id: string): PathSegment[] {
  const base: PathSegment[] = ['source', 'stac_search', 'collections'];
  if (!isSeq(node)) return base;
  const index = node.items.findIndex((item) => isScalar(item) && item.value === id);
  return index < 0 ? base : [...base, index];
}
