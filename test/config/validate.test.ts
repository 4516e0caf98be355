import { ConfigurationError } from '../../src/errors.js';
import { fixture, issuesOf, loadError, textIssues } from './load-helpers.js';

/** Every kind of invalid file gives exact, located issues: file:line:col, YAML path, plain message. */

test('a YAML syntax error is located and stops validation there', async () => {
  const f = fixture('syntax-error.yaml');
  expect(await issuesOf('syntax-error.yaml')).toEqual([
    `${f}:3:63: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    `${f}:3:64: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }`,
  ]);
});

test('a syntax error next to an unquoted ${...} in a flow mapping says to quote it', () => {
  const [first] = textIssues('s3: { endpoint: ${X:-} }\nsource: { stac_search: { api: "http://h/" } }\n');
  expect(first).toBe('p.yaml:1:18: YAML syntax error: Unexpected flow-map-start at node end (inside { } or [ ], quote values that use ${...})');
});

test('an unknown top-level key suggests the key meant', async () => {
  expect(await issuesOf('unknown-top-level-key.yaml')).toEqual([
    `${fixture('unknown-top-level-key.yaml')}:2:1 shedule: unknown key "shedule"; did you mean "schedule"?`,
  ]);
});

test('an issue carries file, line, col, path and message apart', async () => {
  const err = await loadError(fixture('unknown-top-level-key.yaml'));
  expect(err).toBeInstanceOf(ConfigurationError);
  expect(err.code).toBe('ERR_CONFIG');
  expect(err.errorClass).toBe('fatal');
  expect(err.issues).toEqual([
    { file: fixture('unknown-top-level-key.yaml'), line: 2, col: 1, path: 'shedule', message: 'unknown key "shedule"; did you mean "schedule"?' },
  ]);
});

test('an unknown stage suggests a stage of its slot, or lists them', async () => {
  const f = fixture('unknown-stage.yaml');
  expect(await issuesOf('unknown-stage.yaml')).toEqual([
    `${f}:4:5 steps[0].fetch_lable: unknown stage "fetch_lable"; did you mean "fetch_label"?`,
    `${f}:5:5 steps[1].reproject: unknown stage "reproject"; known steps: fetch_label, fetch, select, filter, download`,
  ]);
});

test('a stage in the wrong slot says where it belongs', async () => {
  const f = fixture('wrong-slot.yaml');
  expect(await issuesOf('wrong-slot.yaml')).toEqual([
    `${f}:2:3 source.fetch_label: "fetch_label" is a step, not a source: move it under "steps:" and name a source here (stac_search)`,
    `${f}:4:5 steps[0].csv: "csv" is an output, not a step: move it under "outputs:"`,
    `${f}:6:5 outputs[0].filter: "filter" is a step, not an output: move it under "steps:"`,
  ]);
});

test('bad option values are located at the value, in plain words', async () => {
  const f = fixture('bad-option.yaml');
  expect(await issuesOf('bad-option.yaml')).toEqual([
    `${f}:3:10 source.stac_search.api: expected a URL, got "not a url"`,
    `${f}:4:11 source.stac_search.bbox: expected a list of 4 numbers, got a list of 3 items`,
    `${f}:6:61 steps[0].fetch_label.method: expected one of "GET", "HEAD", got "get"; did you mean "GET"?`,
    `${f}:7:27 steps[1].fetch.concurrency: expected a positive integer, got -1`,
    `${f}:8:27 steps[2].fetch.concurrency: expected a positive integer, got "many"`,
    `${f}:9:30 steps[3].download.concurrency: expected an integer from 1 to 64, got 100`,
    `${f}:9:46 steps[3].download.overwrite: expected true or false, got "yes"`,
  ]);
});

test('an unknown option is located at its key, with a suggestion or the known options', async () => {
  const f = fixture('unknown-option.yaml');
  expect(await issuesOf('unknown-option.yaml')).toEqual([
    `${f}:4:5 source.stac_search.colections: unknown option "colections"; did you mean "collections"?`,
    `${f}:9:7 steps[0].fetch_label.concurency: unknown option "concurency"; did you mean "concurrency"?`,
    `${f}:10:7 steps[0].fetch_label.color: unknown option "color"; known options: asset, as, concurrency, method`,
  ]);
});

test('a missing required option is located at the mapping that lacks it (or the stage name when empty)', async () => {
  const f = fixture('missing-option.yaml');
  expect(await issuesOf('missing-option.yaml')).toEqual([
    `${f}:3:5 source.stac_search.api: missing required option "api" (a URL)`,
    `${f}:5:18 steps[0].fetch_label.asset: missing required option "asset" (a non-empty string)`,
    `${f}:7:5 outputs[0].csv.path: missing required option "path" (a non-empty string)`,
  ]);
});

test('a stage entry that is not a one-key mapping says what was found', async () => {
  const f = fixture('not-one-key.yaml');
  expect(await issuesOf('not-one-key.yaml')).toEqual([
    `${f}:5:5 steps[0]: expected a one-key mapping { stage_name: options }, got 3 keys (fetch_label, asset, as); indent the options under "fetch_label:"`,
    `${f}:7:5 steps[1]: expected a one-key mapping { stage_name: options }, got "filter"; write it "filter: <options>"`,
    `${f}:8:5 steps[2]: expected a one-key mapping { stage_name: options }, got an empty mapping`,
    `${f}:10:3 outputs: expected a list of stages, each written "- name: options", got a mapping`,
  ]);
});

test('an unset variable without default is located at its scalar, and not reported twice', async () => {
  const f = fixture('unset-variable.yaml');
  expect(await issuesOf('unset-variable.yaml')).toEqual([
    `${f}:3:10 source.stac_search.api: environment variable STAC_API_URL is not set: set it, or give a default with \${STAC_API_URL:-default}`,
    `${f}:4:16 source.stac_search.max_items: environment variable MAX_ITEMS is not set: set it, or give a default with \${MAX_ITEMS:-default}`,
    `${f}:6:18 outputs[0].csv.path: environment variable RUN_ID is not set: set it, or give a default with \${RUN_ID:-default}`,
  ]);
});

test('every issue of a file is reported at once, in reading order', async () => {
  const f = fixture('many-errors.yaml');
  expect(await issuesOf('many-errors.yaml')).toEqual([
    `${f}:2:11 schedule: expected a cron schedule of 5 or 6 fields, such as "0 3 * * *"`,
    `${f}:3:26 s3.anonymus: unknown key "anonymus"; did you mean "anonymous"?`,
    `${f}:5:23 source.stac_search.api: environment variable STAC_API_URL is not set: set it, or give a default with \${STAC_API_URL:-default}`,
    `${f}:5:53 source.stac_search.max_items: expected a positive integer, got 0`,
    `${f}:7:66 steps[0].fetch_label.concurrency: expected a positive integer, got 0`,
    `${f}:8:5 steps[1].filtr: unknown stage "filtr"; did you mean "filter"?`,
    `${f}:9:13 steps[2].filter: write a CQL2 expression such as "incidence_angle < 80"`,
    `${f}:11:29 outputs[0].csv.colums: unknown option "colums"; did you mean "columns"?`,
    `${f}:12:5 outputs[1].download: "download" is a step, not an output: move it under "steps:"`,
    `${f}:13:1 extra: unknown key "extra"; known keys: name, schedule, schedule_timezone, state, report, fail_fast, s3, outputs_s3, http, source, steps, outputs`,
  ]);
});

test('the message of an error lists every issue, one a line', async () => {
  const err = await loadError(fixture('unknown-stage.yaml'));
  expect(err.message.split('\n')).toHaveLength(2);
  expect(err.message).toContain('unknown-stage.yaml:4:5 steps[0].fetch_lable: unknown stage "fetch_lable"');
});

test('a file without source says what a source is', () => {
  expect(textIssues('name: x\n')).toEqual([
    'p.yaml:1:1 source: missing required key "source" (the stage that finds the items, e.g. "source: { stac_search: { ... } }")',
  ]);
});

test('an empty file or a file that is not a mapping is one issue', () => {
  expect(textIssues('')).toEqual(['p.yaml:1:1: expected a mapping of pipeline keys (name, source, steps, outputs...), got an empty file']);
  expect(textIssues('- a\n- b\n')).toEqual(['p.yaml:1:1: expected a mapping of pipeline keys (name, source, steps, outputs...), got a list of 2 items']);
});

test('a source that is a list, or steps that are a mapping, say the expected shape', () => {
  expect(textIssues('source:\n  - stac_search: { api: "http://h/" }\nsteps: { filter: "a < 1" }\n')).toEqual([
    'p.yaml:2:3 source: expected a one-key mapping { stage_name: options }, got a list of 1 item',
    'p.yaml:3:8 steps: expected a list of stages, each written "- name: options", got a mapping',
  ]);
});

test('s3 settings are checked like stage options', () => {
  const text = 's3:\n  region: ""\n  anonymous: maybe\n  endpoint: ftp://x\nsource: { stac_search: { api: "http://h/" } }\n';
  expect(textIssues(text)).toEqual([
    'p.yaml:2:11 s3.region: expected a non-empty string, got ""',
    'p.yaml:3:14 s3.anonymous: expected true or false, got "maybe"',
    'p.yaml:4:13 s3.endpoint: expected an http(s) URL, or nothing to use AWS',
  ]);
});

test('an interpolated value that the schema rejects names the text it came from', () => {
  const text = 'source:\n  stac_search: { api: "http://h/", max_items: "${N:-lots}" }\n';
  expect(textIssues(text)).toEqual([
    'p.yaml:2:47 source.stac_search.max_items: expected a positive integer, got "lots" (from "${N:-lots}")',
  ]);
});

test('an issue inside a record of options is located at the offending value', () => {
  expect(textIssues('source: { stac_search: { api: "http://h/" } }\nsteps:\n  - select: { a: b, c: 3 }\n')).toEqual([
    'p.yaml:3:24 steps[0].select.c: expected a string, got 3',
  ]);
});
