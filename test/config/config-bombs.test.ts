import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAGES } from '../../operators/index.js';
import { ConfigurationError } from '../../src/errors.js';
import { loadPipeline, MAX_PIPELINE_BYTES, parsePipeline } from '../../src/config/load.js';
import { aliasBomb } from './config-bomb-helpers.js';

function issuesOf(text: string): string {
  try {
    parsePipeline(text, 'p.yaml', STAGES, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigurationError);
    return (err as ConfigurationError).message;
  }
  throw new Error('no error');
}

test('an alias bomb inside a stage option is a located issue, found at once (no expansion)', () => {
  const started = Date.now();
  const message = issuesOf(aliasBomb('option'));
  expect(message).toMatch(/^p\.yaml:5:\d+ source\.stac_search\.collections\S*: aliases expand this file to more than 100,000 values \(an alias bomb\?\)/);
  expect(Date.now() - started).toBeLessThan(2000);
});

test('an alias bomb in name: is a located issue', () => {
  expect(issuesOf(aliasBomb('name'))).toMatch(/^p\.yaml:1:\d+ name\S*: aliases expand this file/);
});

test('a recursive alias is a located issue, wherever it is', () => {
  expect(issuesOf('name: &n [*n]\nsource: { stac_search: { api: "http://127.0.0.1:1/" } }\n')).toBe(
    'p.yaml:1:11 name[0]: alias *n is inside the value &n it refers to: it would stand for an endless value',
  );
  expect(issuesOf('name: x\nsource:\n  stac_search: { api: "http://127.0.0.1:1/", query: &q { a: { lt: *q } } }\n')).toBe(
    'p.yaml:3:67 source.stac_search.query.a.lt: alias *q is inside the value &q it refers to: it would stand for an endless value',
  );
});

test('aliases used as YAML intends (an anchor with many aliases, used often) still load', () => {
  const text = [
    'name: x',
    'source:',
    '  stac_search:',
    '    api: "http://127.0.0.1:1/"',
    '    collections: &c [a, b]',
    'outputs:',
    `  - csv: { path: a.csv, columns: &cols [id, collection] }`,
    ...Array.from({ length: 12 }, (_, i) => `  - csv: { path: out${i}.csv, columns: *cols }`),
    '',
  ].join('\n');
  expect(parsePipeline(text, 'p.yaml', STAGES, {}).outputs).toHaveLength(13);
});

test('a pipeline file over 1 MiB is refused unread, naming the file and its size', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'stacflow-big-'));
  const file = join(dir, 'big.yaml');
  await writeFile(file, `name: x\n# ${'a'.repeat(MAX_PIPELINE_BYTES)}\n`);
  await expect(loadPipeline(file, STAGES, {})).rejects.toThrow(`${file}: the pipeline file is 1.0 MiB (1048587 bytes); a pipeline file may be 1 MiB at most`);
});
