import { STAGES } from '../../operators/index.js';
import { parsePipeline } from '../../src/config/load.js';
import { splitPath } from '../../src/config/overrides.js';
import { ConfigurationError, formatIssue } from '../../src/errors.js';

/** `--set PATH=VALUE` (issue 13, point 1): any option changed from the command line, validated with the file. */

const PIPELINE = `name: p
source:
  stac_search:
    api: http://127.0.0.1:9/
    collections: [a, b]
    bbox: [1, 2, 3, 4]
steps:
  - fetch_label: { asset: caminfo_pvl }
  - filter: "gsd < 10"
  - filter: "gsd > 1"
  - download: { assets: [image], concurrency: 4 }
outputs:
  - csv: { path: out/p.csv }
`;

const load = (set: string[], text = PIPELINE) => parsePipeline(text, 'p.yaml', STAGES, {}, { set });

function issues(set: string[], text = PIPELINE): string[] {
  try {
    load(set, text);
  } catch (err) {
    if (err instanceof ConfigurationError) return err.issues.map(formatIssue);
    throw err;
  }
  throw new Error('loaded, but it should not');
}

const optionsOf = (plan: ReturnType<typeof load>, label: string) => [...plan.steps, ...plan.outputs].find((s) => s.label === label)?.options as Record<string, unknown>;

test('the issue\'s two examples: a list read as YAML, a step addressed by its stage name, a number typed', () => {
  const plan = load(['source.stac_search.bbox=[3,4,5,6]', 'steps.download.concurrency=16']);
  expect((plan.source.options as { bbox: number[] }).bbox).toEqual([3, 4, 5, 6]);
  expect(optionsOf(plan, 'download')).toMatchObject({ assets: ['image'], concurrency: 16 });
  // Nothing else moved: the file's other options stand.
  expect((plan.source.options as { collections: string[] }).collections).toEqual(['a', 'b']);
});

test('without --set the file loads as written', () => {
  expect(optionsOf(load([]), 'download')).toMatchObject({ concurrency: 4 });
});

test('a key the file does not have is added; top-level settings too; the later of two --set wins', () => {
  const plan = load(['source.stac_search.max_items=5', 's3.endpoint=http://127.0.0.1:1', 'name=other', 'name=last']);
  expect((plan.source.options as { max_items: number }).max_items).toBe(5);
  expect(plan.s3.endpoint).toBe('http://127.0.0.1:1');
  expect(plan.name).toBe('last');
});

test('a value that fails the stage schema is named by the --set argument, with the path in the file', () => {
  expect(issues(['steps.download.concurrency=-1'])).toEqual([
    expect.stringMatching(/^--set steps\.download\.concurrency=-1 steps\[3\]\.download\.concurrency: .+/),
  ]);
  expect(issues(['steps.download.concurrency=many'])[0]).toMatch(/^--set steps\.download\.concurrency=many steps\[3\]\.download\.concurrency: expected a positive integer, got "many"$/);
});

test('an unknown option added by --set gets the did-you-mean a file gets', () => {
  expect(issues(['steps.download.concurency=8'])).toEqual([
    expect.stringMatching(/^--set steps\.download\.concurency=8 steps\[3\]\.download\.concurency: unknown option "concurency"; did you mean "concurrency"\?/),
  ]);
});

test('a repeated stage name is ambiguous; its label or index says which', () => {
  expect(issues(['steps.filter=gsd < 5'])).toEqual([
    '--set steps.filter=gsd < 5 steps: 2 steps are "filter": say which by label (steps.filter, steps.filter#2) or index (steps[1])',
  ]);
  const byLabel = load(['steps.filter#2=gsd > 2']);
  expect(optionsOf(byLabel, 'filter#2')).not.toEqual(optionsOf(load([]), 'filter#2'));
  expect(optionsOf(byLabel, 'filter')).toEqual(optionsOf(load([]), 'filter'));
  const byIndex = load(['steps[3].download.concurrency=2', 'steps.0.asset=isis_label']);
  expect(optionsOf(byIndex, 'download')).toMatchObject({ concurrency: 2 });
  expect(optionsOf(byIndex, 'fetch_label')).toMatchObject({ asset: 'isis_label' });
});

test('a step the file does not have: did you mean, or the list of its steps', () => {
  expect(issues(['steps.downlod.concurrency=2'])).toEqual([
    '--set steps.downlod.concurrency=2 steps: no step "downlod" in the file; did you mean "download"? (--set changes the stages the file has)',
  ]);
  expect(issues(['outputs.geoparquet.path=x.parquet'])).toEqual([
    '--set outputs.geoparquet.path=x.parquet outputs: no output "geoparquet" in the file; it has: csv (--set changes the stages the file has)',
  ]);
  expect(issues(['steps[9].download.concurrency=2'])[0]).toBe('--set steps[9].download.concurrency=2 steps[9]: steps has 4 entries (indexes from 0): --set changes the stages the file has');
});

test('an argument without =, a malformed path, or a value that is not YAML is refused, naming the argument', () => {
  expect(issues(['steps.download.concurrency'])).toEqual([
    '--set steps.download.concurrency: expected PATH=VALUE, e.g. --set steps.download.concurrency=16 or --set source.stac_search.bbox=[3,4,5,6]',
  ]);
  expect(issues(['steps..x=1'])).toEqual(['--set steps..x=1: "steps..x" is not a path: write keys with dots, e.g. steps.download.concurrency']);
  expect(issues(['source.stac_search.bbox=[3,4'])[0]).toMatch(/^--set source\.stac_search\.bbox=\[3,4: the value is not YAML: /);
});

test('options of a stage written with none (`- download:`) can be set', () => {
  const text = PIPELINE.replace('  - download: { assets: [image], concurrency: 4 }', '  - download:');
  expect(issues([], text)[0]).toMatch(/steps\[3\]\.download/); // no assets: invalid as written
  expect(optionsOf(load(['steps.download.assets=[image]'], text), 'download')).toMatchObject({ assets: ['image'] });
});

test('the file\'s own mistakes keep their file:line:col next to a --set one', () => {
  const text = PIPELINE.replace('concurrency: 4', 'concurrency: 0');
  const found = issues(['source.stac_search.max_items=0'], text);
  expect(found.filter((i) => !i.startsWith('--set source.stac_search.max_items=0 source.stac_search.max_items: '))).toEqual([
    'p.yaml:11:47 steps[3].download.concurrency: expected a positive integer, got 0',
  ]);
  expect(found.length).toBeGreaterThan(1);
});

test('paths: dots and [index]', () => {
  expect(splitPath('steps[2].download.concurrency')).toEqual(['steps', 2, 'download', 'concurrency']);
  expect(splitPath('source.stac_search.query.eo:cloud_cover')).toEqual(['source', 'stac_search', 'query', 'eo:cloud_cover']);
  expect(splitPath('steps.1')).toEqual(['steps', 1]);
  expect(typeof splitPath('a[x]')).toBe('string');
});
