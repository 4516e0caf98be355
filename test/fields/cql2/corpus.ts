import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { newEntry, type Entry, type StacItem } from '../../../src/entry.js';
import type { Cql2Expr } from '../../../src/fields/cql2/index.js';

/** The CQL2 corpus (test/fixtures/cql2-corpus: OGC examples, cql2-rs's items and evaluations) and its conformance classes. */
export const CORPUS = path.resolve(import.meta.dirname, '../../fixtures/cql2-corpus');

export interface ExamplePair {
  /** The text file's name (`example36-alt01.txt`). */
  readonly name: string;
  readonly text: string;
  /** Its JSON pair's name and parsed content (`example36.json`). */
  readonly jsonName: string;
  readonly json: unknown;
}

export function examplePairs(): ExamplePair[] {
  const dir = path.join(CORPUS, 'examples');
  return readdirSync(path.join(dir, 'text'))
    .filter((name) => name.endsWith('.txt'))
    .sort()
    .map((name) => {
      const jsonName = `${name.replace(/(-alt\d+)?\.txt$/, '')}.json`;
      const json = JSON.parse(readFileSync(path.join(dir, 'json', jsonName), 'utf8')) as unknown;
      return { name, text: readFileSync(path.join(dir, 'text', name), 'utf8'), jsonName, json };
    });
}

export interface EvaluationCase {
  readonly line: number;
  readonly expression: string;
  readonly ids: readonly string[];
}

export function evaluationCases(): EvaluationCase[] {
  return readFileSync(path.join(CORPUS, 'evaluation.tsv'), 'utf8')
    .split('\n')
    .flatMap((line, i) => {
      if (line === '' || line.startsWith('#')) return [];
      const [expression, ids = ''] = line.split('\t');
      return [{ line: i + 1, expression, ids: ids.split(' ').filter(Boolean) }];
    });
}

export const corpusEntries = (): Entry[] =>
  readFileSync(path.join(CORPUS, 'items.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => newEntry(JSON.parse(line) as StacItem));

/** The conformance classes of OGC 21-065r2 a README table names, in its order. */
export const CLASSES = ['basic-cql2', 'advanced comparison', 'case-insensitive', 'accent-insensitive', 'basic spatial', 'spatial', 'temporal', 'array', 'arithmetic'] as const;
export type Cql2Class = (typeof CLASSES)[number];

/**
 * The classes an expression exercises: basic-cql2 when it uses nothing else (comparisons, AND/OR/NOT, IS
 * NULL, booleans); basic spatial for S_INTERSECTS with a point or a bbox, spatial for the other spatial
 * functions and geometries.
 */
export function classesOf(expr: Cql2Expr): Set<Cql2Class> {
  const classes = new Set<Cql2Class>();
  const visit = (e: Cql2Expr): void => {
    switch (e.kind) {
      case 'date':
      case 'timestamp':
      case 'interval':
        classes.add('temporal');
        return;
      case 'array':
        e.items.forEach(visit);
        return;
      case 'op':
        break;
      default:
        return;
    }
    const op = e.op;
    if (op === 'like' || op === 'between' || op === 'in') classes.add('advanced comparison');
    else if (op === 'casei') classes.add('case-insensitive');
    else if (op === 'accenti') classes.add('accent-insensitive');
    else if (['+', '-', '*', '/', '%', 'div', '^'].includes(op)) classes.add('arithmetic');
    else if (op.startsWith('t_')) classes.add('temporal');
    else if (op.startsWith('a_')) classes.add('array');
    else if (op.startsWith('s_')) {
      const basic = op === 's_intersects' && e.args.every((a) => a.kind !== 'geometry' || a.geometry.type === 'Point');
      classes.add(basic ? 'basic spatial' : 'spatial');
    }
    e.args.forEach(visit);
  };
  visit(expr);
  if (classes.size === 0) classes.add('basic-cql2');
  return classes;
}
