import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One static import of a product file: the file it names, and whether it is `import type` (erased at build). */
export interface ImportEdge {
  readonly to: string;
  readonly typeOnly: boolean;
}

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const STATEMENT = /(?:^|\n)[ \t]*(import|export)(\s+type)?\s+([^;'"]*?)\s*from\s*['"](\.{1,2}\/[^'"]+)['"]|(?:^|\n)[ \t]*import\s+['"](\.{1,2}\/[^'"]+)['"]/g;

/** Every .ts file under `folders` (relative to the repository root), as root-relative paths. */
export function productFiles(folders: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'data') walk(rel);
      } else if (rel.endsWith('.ts') && !rel.endsWith('.d.ts')) files.push(rel);
    }
  };
  for (const folder of folders) walk(folder);
  return files.sort();
}

/**
 * The static relative imports of `file` (import/export ... from, side-effect imports). Dynamic `import()`
 * is left out on purpose: it runs when called, so it makes no load-time circle and is how start-up stays lazy.
 */
export function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const edges: ImportEdge[] = [];
  for (const m of text.matchAll(STATEMENT)) {
    const specifier = m[4] ?? m[5];
    const clause = m[3] ?? '';
    // `import type {...}` or `import { type A, type B }`: erased by the compiler, no module is loaded.
    const typeOnly = m[2] !== undefined || (/^\{[^}]*\}$/.test(clause.trim()) && clause.replace(/[{}\s]/g, '').split(',').filter(Boolean).every((n) => n.startsWith('type')));
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
    edges.push({ to: resolved, typeOnly });
  }
  return edges;
}

/** The import circles among `files` (strongly connected components of more than one file, or a file importing itself). */
export function importCircles(graph: ReadonlyMap<string, readonly ImportEdge[]>): string[][] {
  // Tarjan's algorithm, iterative (no recursion on a deep graph).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const circles: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; edge: number }> = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const edges = (graph.get(frame.node) ?? []).filter((e) => graph.has(e.to));
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++].to;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfImport = (graph.get(frame.node) ?? []).some((e) => e.to === frame.node);
        if (component.length > 1 || selfImport) circles.push(component.sort());
      }
    }
  }
  return circles;
}
