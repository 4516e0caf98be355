import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatIssue } from '../../src/errors.js';
import { loadPipeline, parsePipeline } from '../../src/config/load.js';
import { fixture, loadError } from './load-helpers.js';
import { testRegistry } from './load-test-stages.js';

const isDeepFrozen = (value: unknown): boolean =>
  value === null || typeof value !== 'object' || (Object.isFrozen(value) && Object.values(value).every(isDeepFrozen));

describe('a valid file', () => {
  const file = fixture('valid.yaml');

  test('loads into the settings, with s3 defaults and interpolated values', async () => {
    const p = await loadPipeline(file, testRegistry, {});
    expect({ file: p.file, name: p.name, schedule: p.schedule, state: p.state, report: p.report, s3: p.s3 }).toEqual({
      file,
      name: 'kaguya-tc',
      schedule: '0 3 * * *',
      state: '.stacflow/kaguya-tc.sqlite',
      report: 'out/kaguya-tc.report.json',
      s3: { region: 'us-west-2', anonymous: true, endpoint: '' },
    });
  });

  test('gives the source its parsed options, with defaults and "${MAX_ITEMS:-200}" read as the number the schema wants', async () => {
    const { source } = await loadPipeline(file, testRegistry, {});
    expect(source.stage).toBe(testRegistry.get('stac_search'));
    expect(source.label).toBe('stac_search');
    expect(source.location).toEqual({ file, line: 7, col: 3, path: 'source.stac_search' });
    expect(source.options).toEqual({
      api: 'https://stac.astrogeology.usgs.gov/api/',
      collections: [
        'kaguya_terrain_camera_stereoscopic_uncontrolled_observations',
        'kaguya_terrain_camera_monoscopic_uncontrolled_observations',
      ],
      per_collection: true,
      bbox: [3, 4, 5, 6],
      max_items: 200,
      concurrency: 8,
    });
  });

  test('labels steps by name, numbering repeats, and locates each', async () => {
    const { steps, outputs } = await loadPipeline(file, testRegistry, {});
    expect(steps.map((s) => [s.label, s.location.line, s.location.col, s.location.path])).toEqual([
      ['fetch_label', 15, 5, 'steps[0].fetch_label'],
      ['select', 16, 5, 'steps[1].select'],
      ['filter', 17, 5, 'steps[2].filter'],
      ['filter#2', 18, 5, 'steps[3].filter'],
      ['download', 19, 5, 'steps[4].download'],
    ]);
    expect(steps.map((s) => s.options)).toEqual([
      { asset: 'caminfo_pvl', as: 'caminfo', concurrency: 32, method: 'GET' },
      { incidence_angle: 'caminfo.Caminfo.Geometry.IncidenceAngle' },
      'incidence_angle < 80',
      'incidence_angle > 10',
      { assets: ['image'], to: 'data/{collection}/{id}/', overwrite: false, concurrency: 4 }, // `- download:` alone
    ]);
    expect(outputs.map((o) => [o.label, o.stage.kind, o.options])).toEqual([['csv', 'output', { path: 'out/kaguya-tc.csv' }]]);
  });

  test('is frozen all the way down, apart from the registry stages it points to', async () => {
    const p = await loadPipeline(file, testRegistry, {});
    const { source, steps, outputs } = p;
    expect(Object.isFrozen(p)).toBe(true);
    expect(isDeepFrozen(p.s3)).toBe(true);
    for (const stage of [source, ...steps, ...outputs]) {
      expect(Object.isFrozen(stage)).toBe(true);
      expect(isDeepFrozen(stage.options)).toBe(true);
      expect(isDeepFrozen(stage.location)).toBe(true);
    }
    expect(Object.isFrozen(steps)).toBe(true);
    expect(Object.isFrozen(testRegistry.get('stac_search'))).toBe(false);
  });

  test('takes variables from the environment given', async () => {
    const env = { S3_ENDPOINT: 'http://127.0.0.1:9000', STAC_API_URL: 'http://127.0.0.1:8080/api/', MAX_ITEMS: '7' };
    const p = await loadPipeline(file, testRegistry, env);
    expect(p.s3.endpoint).toBe('http://127.0.0.1:9000');
    expect(p.source.options).toMatchObject({ api: 'http://127.0.0.1:8080/api/', max_items: 7 });
  });
});

test('a minimal file gets its name from the file name and empty steps and outputs', async () => {
  const p = await loadPipeline(fixture('minimal.yml'), testRegistry, {});
  expect(p.name).toBe('minimal');
  expect(p.schedule).toBeUndefined();
  expect(p.state).toBeUndefined();
  expect(p.report).toBeUndefined();
  expect(p.s3).toEqual({ region: 'us-west-2', anonymous: true, endpoint: '' });
  expect(p.steps).toEqual([]);
  expect(p.outputs).toEqual([]);
});

test('an interpolated value stays a string unless the schema wants only a number or a boolean', () => {
  const text = [
    'name: "${NAME}"',
    's3: { anonymous: "${ANON:-false}", region: "${REGION}" }',
    'source: { stac_search: { api: "http://h/", max_items: "${N}", per_collection: "${PER:-true}" } }',
    'steps: [ { select: { x: "${N}" } }, { fetch: { concurrency: "${C:-+4}" } } ]',
  ].join('\n');
  const p = parsePipeline(text, 'p.yaml', testRegistry, { NAME: '123', REGION: '001', N: '42' });
  expect(p.name).toBe('123');
  expect(p.s3).toEqual({ region: '001', anonymous: false, endpoint: '' });
  expect(p.source.options).toMatchObject({ max_items: 42, per_collection: true });
  expect(p.steps.map((s) => s.options)).toEqual([{ x: '42' }, { concurrency: 4 }]);
});

test('a literal quoted number is not converted: only interpolated values are', () => {
  const text = 'source: { stac_search: { api: "http://h/", max_items: "42" } }\n';
  expect(() => parsePipeline(text, 'p.yaml', testRegistry, {})).toThrow(
    'p.yaml:1:55 source.stac_search.max_items: expected a positive integer, got "42"',
  );
});

test('anchors and aliases are followed', () => {
  const text = 'x-common: &c { concurrency: 3 }\n';
  // Top-level extension keys are not allowed, so the anchor lives on the first use.
  const ok = 'source: { stac_search: { api: "http://h/" } }\nsteps:\n  - fetch: &c { concurrency: 3 }\n  - fetch: *c\n';
  const p = parsePipeline(ok, 'p.yaml', testRegistry, {});
  expect(p.steps.map((s) => [s.label, s.options])).toEqual([['fetch', { concurrency: 3 }], ['fetch#2', { concurrency: 3 }]]);
  expect(() => parsePipeline(text + ok, 'p.yaml', testRegistry, {})).toThrow('unknown key "x-common"');
});

test('a file that cannot be read is a configuration error naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'stacflow-load-'));
  try {
    const err = await loadError(join(dir, 'nope.yaml'));
    expect(err.issues.map(formatIssue)).toEqual([`${join(dir, 'nope.yaml')}: cannot read the pipeline file: no such file`]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadPipeline reads the file it is given', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'stacflow-load-'));
  try {
    const file = join(dir, 'daily.yaml');
    await writeFile(file, 'source:\n  stac_search: { api: "${API}" }\n');
    const p = await loadPipeline(file, testRegistry, { API: 'http://127.0.0.1:1/' });
    expect(p).toMatchObject({ file, name: 'daily', source: { options: { api: 'http://127.0.0.1:1/' } } });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
