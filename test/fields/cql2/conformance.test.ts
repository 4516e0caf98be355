import { compileCql2, parseCql2Json, parseCql2Text, toCql2Json, toCql2Text } from '../../../src/fields/cql2/index.js';
import { classesOf, CLASSES, corpusEntries, evaluationCases, examplePairs, type Cql2Class } from './corpus.js';

// Conformance on the corpus (test/fixtures/cql2-corpus): every OGC text example parses to the tree of its
// JSON pair; both printers give back an equal tree; every evaluation row selects exactly its ids.
// Set CQL2_TABLE=1 to print the per-class table (the README's).

const pairs = examplePairs();
const cases = evaluationCases();
const entries = corpusEntries();

const tally = new Map<Cql2Class, { examples: [number, number]; evaluations: [number, number] }>(
  CLASSES.map((c) => [c, { examples: [0, 0], evaluations: [0, 0] }]),
);
const count = (classes: Set<Cql2Class>, kind: 'examples' | 'evaluations', passed: boolean): void => {
  for (const c of classes) {
    const counts = tally.get(c)![kind];
    counts[1] += 1;
    if (passed) counts[0] += 1;
  }
};

describe('the OGC examples', () => {
  it('are all there: 120 texts paired with 109 JSON files (the README counts validate.sh too)', () => {
    expect(pairs).toHaveLength(120);
    expect(new Set(pairs.map((p) => p.jsonName)).size).toBe(109);
  });

  it.each(pairs.map((p) => [p.name, p] as const))('%s: text and JSON give one tree, and both printers give it back', (_name, pair) => {
    const fromJson = parseCql2Json(pair.json, pair.name);
    let passed = false;
    try {
      const fromText = parseCql2Text(pair.text, pair.name);
      expect(fromText).toEqual(fromJson);
      expect(parseCql2Text(toCql2Text(fromText))).toEqual(fromText);
      expect(parseCql2Json(toCql2Json(fromText))).toEqual(fromText);
      // JSON printed is the example's JSON (timestamps canonical: the corpus writes them so).
      expect(toCql2Json(fromJson)).toEqual(pair.json);
      passed = true;
    } finally {
      count(classesOf(fromJson), 'examples', passed);
    }
  });
});

describe('evaluation.tsv on items.ndjson', () => {
  it('has 81 cases and 112 items', () => {
    expect(cases).toHaveLength(81);
    expect(entries).toHaveLength(112);
  });

  it.each(cases.map((c) => [c.line, c.expression, c] as const))('line %i: %s', (_line, _expression, c) => {
    const ast = parseCql2Text(c.expression, `evaluation.tsv:${c.line}`);
    let passed = false;
    try {
      const keep = compileCql2(ast);
      expect(entries.filter(keep).map((e) => e.item.id)).toEqual(c.ids);
      passed = true;
    } finally {
      count(classesOf(ast), 'evaluations', passed);
    }
  });
});

afterAll(() => {
  if (!process.env.CQL2_TABLE) return;
  const rows = CLASSES.map((c) => {
    const { examples, evaluations } = tally.get(c)!;
    return `| ${c} | ${examples[0]} / ${examples[1]} | ${evaluations[0]} / ${evaluations[1]} |`;
  });
  process.stdout.write(['| class | OGC examples: text = JSON, printed back | evaluation.tsv: exact ids |', '| --- | --- | --- |', ...rows, ''].join('\n'));
});
