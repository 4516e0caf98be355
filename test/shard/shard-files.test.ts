import { STAGES } from '../../operators/index.js';
import { parsePipeline } from '../../src/config/load.js';
import { pipelineJsonSchema } from '../../src/config/json-schema.js';
import type { JsonSchema } from '../../src/config/describe-schema.js';
import { shardFiles } from '../../src/shard/shard-files.js';

const YAML = `name: kaguya-tc
state: .stacflow/kaguya-tc.sqlite
source: { stac_search: { api: "http://127.0.0.1:9/", collections: [c] } }
steps:
  - fetch_label: { asset: caminfo_pvl, as: caminfo, cache: .stacflow/labels }
  - download: { assets: [image], to: "data/{collection}/{id}/" }
  - rclone_manifest: { assets: [image], path: out/images.txt }
outputs:
  - csv: { path: out/kaguya-tc.csv }
  - geoparquet: { path: out/kaguya-tc.parquet }
  - ndjson: { path: "-" }
`;

const spec = { index: 7, count: 64 };
const optionsOf = (stage: { options: unknown }) => stage.options as Record<string, unknown>;

describe('shardFiles', () => {
  const pipeline = parsePipeline(YAML, 'p.yaml', STAGES, {});
  const sharded = shardFiles(pipeline, spec);

  test('the state, the report and every file a stage declares it writes carry the tag', () => {
    expect(sharded.state).toBe('.stacflow/kaguya-tc.shard-0007-of-0064.sqlite');
    // No `report:`: the default one (beside the first output, named after the pipeline), tagged.
    expect(sharded.report).toBe('out/kaguya-tc.shard-0007-of-0064.report.json');
    expect(optionsOf(sharded.steps[2])['path']).toBe('out/images.shard-0007-of-0064.txt');
    expect(sharded.outputs.map((o) => optionsOf(o)['path'])).toEqual(['out/kaguya-tc.shard-0007-of-0064.csv', 'out/kaguya-tc.shard-0007-of-0064.parquet', '-']);
  });

  test('nothing else changes: the search, the per-item downloads, the label cache, the other options', () => {
    expect(sharded.source).toBe(pipeline.source);
    expect(sharded.steps[0]).toBe(pipeline.steps[0]);
    expect(sharded.steps[1]).toBe(pipeline.steps[1]);
    expect({ ...optionsOf(sharded.steps[2]), path: 'x' }).toEqual({ ...optionsOf(pipeline.steps[2]), path: 'x' });
    expect(sharded.outputs.map((o) => o.label)).toEqual(pipeline.outputs.map((o) => o.label));
    expect(Object.isFrozen(sharded) && Object.isFrozen(optionsOf(sharded.outputs[0]))).toBe(true);
    // The pipeline given is left as it was.
    expect(optionsOf(pipeline.outputs[0])['path']).toBe('out/kaguya-tc.csv');
  });

  test('an explicit report: and a pipeline without state', () => {
    const other = parsePipeline(`name: x\nreport: reports/x.report.json\nsource: { items: { path: in.ndjson } }\noutputs: [ { ndjson: { path: out/x.ndjson } } ]\n`, 'x.yaml', STAGES, {});
    const tagged = shardFiles(other, { index: 0, count: 2 });
    expect(tagged.report).toBe('reports/x.shard-0000-of-0002.report.json');
    expect(tagged.state).toBeUndefined();
    expect(optionsOf(tagged.source)['path']).toBe('in.ndjson'); // a file read is everyone's
  });
});

/**
 * No hidden rule: every registered stage's option whose name says it is a file or folder is either declared in
 * `writesFiles` (each shard its own) or listed here with the reason it is shared by the shards as written.
 */
const NOT_WRITTEN_PER_SHARD: Record<string, Record<string, string>> = {
  items: { path: 'the file the items are read from: every shard reads it' },
  download: { to: 'per item: items are disjoint across shards, so their files are too' },
  fetch_label: { cache: 'keyed by href and ETag: per item, disjoint across shards' },
  rclone_manifest: { dest: 'where the printed rclone commands put the objects (per object)' },
};
const FILE_LIKE = /(^|_)(path|file|files|dir|folder|cache|dest|out)$|^to$/;

test('every stage declares the options naming a file it writes (writesFiles); the others are shared on purpose', () => {
  const defs = (pipelineJsonSchema(STAGES).$defs ?? {}) as Record<string, JsonSchema>;
  const problems: string[] = [];
  for (const stage of STAGES.values()) {
    const keys = optionKeys(defs[stage.name]);
    const declared = stage.writesFiles ?? [];
    for (const key of declared) if (!keys.has(key)) problems.push(`${stage.name}: writesFiles names ${key}, not an option`);
    for (const key of keys) {
      if (!FILE_LIKE.test(key) || declared.includes(key) || NOT_WRITTEN_PER_SHARD[stage.name]?.[key] !== undefined) continue;
      problems.push(`${stage.name}.${key}: a file option neither in writesFiles nor shared on purpose`);
    }
    if (stage.kind === 'output' && !declared.includes('path')) problems.push(`${stage.name}: an output that does not declare its path`);
  }
  expect(problems).toEqual([]);
});

function optionKeys(schema: unknown, keys = new Set<string>()): Set<string> {
  if (schema === null || typeof schema !== 'object') return keys;
  const properties = (schema as { properties?: unknown }).properties;
  if (properties !== null && typeof properties === 'object') for (const key of Object.keys(properties)) keys.add(key);
  for (const value of Object.values(schema)) optionKeys(value, keys);
  return keys;
}
