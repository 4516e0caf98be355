import { LineCounter, parseDocument, type Scalar } from 'yaml';
import { interpolateDocument, interpolateString } from '../../src/config/interpolate.js';
import { textIssues } from './load-helpers.js';

const env = { HOST: '127.0.0.1', PORT: '8080', EMPTY: '' };
const value = (text: string) => interpolateString(text, env);

describe('interpolateString', () => {
  test('replaces ${VAR} with its value, anywhere in the text and as often as written', () => {
    expect(value('http://${HOST}:${PORT}/${HOST}')).toEqual({ value: 'http://127.0.0.1:8080/127.0.0.1', problems: [] });
  });

  test('uses the default of ${VAR:-default} when VAR is unset or empty', () => {
    expect(value('${NOPE:-https://example.org/api/}').value).toBe('https://example.org/api/');
    expect(value('${EMPTY:-fallback}').value).toBe('fallback');
    expect(value('${PORT:-9}').value).toBe('8080');
  });

  test('gives an empty string for an empty default ${X:-}', () => {
    expect(value('${NOPE:-}')).toEqual({ value: '', problems: [] });
  });

  test('keeps a set but empty variable empty without a default', () => {
    expect(value('[${EMPTY}]')).toEqual({ value: '[]', problems: [] });
  });

  test('takes a default literally up to the first }', () => {
    expect(value('${NOPE:-a:-b $x}').value).toBe('a:-b $x');
  });

  test('reads $${ as a literal ${ and leaves other $ alone', () => {
    expect(value('$${HOST} costs $5, $$ stays')).toEqual({ value: '${HOST} costs $5, $$ stays', problems: [] });
    expect(value('$${NOPE:-x}').value).toBe('${NOPE:-x}');
  });

  test('reports an unset variable without default', () => {
    expect(value('a ${NOPE} b')).toEqual({
      value: 'a  b',
      problems: ['environment variable NOPE is not set: set it, or give a default with ${NOPE:-default}'],
    });
  });

  test('reports each bad reference', () => {
    expect(value('${A} ${B}').problems).toHaveLength(2);
    expect(value('${HOST-x}').problems).toEqual(['"${HOST-x}" is not a variable reference: write ${NAME} or ${NAME:-default}']);
    expect(value('${}').problems).toEqual(['"${}" is not a variable reference: write ${NAME} or ${NAME:-default}']);
    expect(value('x ${HOST').problems).toEqual(['unclosed "${" in "x ${HOST": close it with "}", or write "$${" for a literal "${"']);
  });
});

describe('interpolateDocument', () => {
  const parse = (text: string) => parseDocument(text, { lineCounter: new LineCounter() });

  test('rewrites string values in place and remembers what was written', () => {
    const doc = parse('a: "${HOST}"\nb: [x, "${PORT:-1}"]\nc: 3\n');
    const report = interpolateDocument(doc, env);
    expect(doc.toJS()).toEqual({ a: '127.0.0.1', b: ['x', '8080'], c: 3 });
    expect([...report.written.values()]).toEqual(['${HOST}', '${PORT:-1}']);
    expect(report.problems).toEqual([]);
  });

  test('leaves mapping keys alone', () => {
    const doc = parse('"${HOST}": 1\n');
    interpolateDocument(doc, env);
    expect(doc.toJS()).toEqual({ '${HOST}': 1 });
  });

  test('works in plain, quoted and block scalars', () => {
    const doc = parse("a: ${HOST}\nb: '${HOST}'\nc: |\n  host ${HOST}\n");
    interpolateDocument(doc, env);
    expect(doc.toJS()).toEqual({ a: '127.0.0.1', b: '127.0.0.1', c: 'host 127.0.0.1\n' });
  });

  test('locates problems at their scalar with its path', () => {
    const doc = parse('steps:\n  - filter: "x < ${LIMIT}"\n');
    const { problems } = interpolateDocument(doc, env);
    expect(problems.map((p) => [p.path, (p.node as Scalar).range?.[0], p.message])).toEqual([
      [['steps', 0, 'filter'], 19, 'environment variable LIMIT is not set: set it, or give a default with ${LIMIT:-default}'],
    ]);
  });
});

test('in a pipeline, an unset variable is an issue at the scalar that uses it', () => {
  const text = 'source:\n  stac_search:\n    api: http://${API_HOST}/\n';
  expect(textIssues(text)).toEqual([
    'p.yaml:3:10 source.stac_search.api: environment variable API_HOST is not set: set it, or give a default with ${API_HOST:-default}',
  ]);
});
