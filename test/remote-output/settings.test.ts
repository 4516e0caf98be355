import path from 'node:path';
import { STAGES } from '../../operators/index.js';
import { outputTarget } from '../../src/catalog/output-options.js';
import { parsePipeline } from '../../src/config/load.js';
import { defaultReportPath } from '../../src/engine/report.js';
import { bucketListPath } from '../../src/rclone/manifest-writer.js';
import { outputObject, outputSibling, resolveOutputPath } from '../../src/remote-output/output-url.js';
import { DEFAULT_OUTPUT_S3 } from '../../src/remote-output/settings.js';
import { shardPath } from '../../src/shard/shard-spec.js';
import { stagingPathFor } from '../../src/remote-output/staging.js';

const pipeline = (extra: string[]) =>
  parsePipeline(['name: p', 'source: { items: { path: items.ndjson } }', ...extra, 'outputs:', '  - csv: { path: "s3://bucket/out/p.csv" }', ''].join('\n'), 'p.yaml', STAGES, {});

const issues = (extra: string[]): string[] => {
  try {
    pipeline(extra);
    return [];
  } catch (err) {
    return (err as { issues: Array<{ line: number; col: number; message: string; path: string }> }).issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
  }
};

test('outputs_s3 defaults: AWS, region from the environment, 16 MiB parts', () => {
  expect(pipeline([]).outputsS3).toEqual(DEFAULT_OUTPUT_S3);
});

test('outputs_s3 with an endpoint: path-style unless told otherwise; sizes and durations read as in http:', () => {
  const settings = pipeline(['outputs_s3: { endpoint: "http://127.0.0.1:9000", region: eu-west-1, part_size: 8MiB, parts_in_flight: 2, max_read_bytes: 1GiB, read_timeout: 5m }']).outputsS3;
  expect(settings).toEqual({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, partSizeBytes: 8 * 1024 ** 2, partsInFlight: 2, maxReadBytes: 1024 ** 3, readTimeoutMs: 300_000 });
  expect(pipeline(['outputs_s3: { endpoint: "http://minio:9000", force_path_style: false }']).outputsS3?.forcePathStyle).toBe(false);
});

test('a wrong outputs_s3 is a located error: parts under S3\'s 5 MiB, an endpoint that is no URL, an unknown key', () => {
  expect(issues(['outputs_s3: { part_size: 1MiB }'])).toEqual([expect.stringMatching(/^3:\d+ outputs_s3\.part_size: expected a size such as 16MiB \(at least 5242880\), got "1MiB"$/)]);
  expect(issues(['outputs_s3: { endpoint: "minio:9000" }'])).toEqual([expect.stringMatching(/^3:\d+ outputs_s3\.endpoint: expected an http\(s\) URL/)]);
  expect(issues(['outputs_s3: { regoin: x }'])).toEqual([expect.stringMatching(/^3:\d+ outputs_s3\.regoin: unknown key "regoin"; did you mean "region"\?/)]);
});

test('s3:// paths stay URLs where local paths are resolved and joined', () => {
  expect(resolveOutputPath('s3://bucket/out/p.csv')).toBe('s3://bucket/out/p.csv');
  expect(resolveOutputPath('out/p.csv')).toBe(path.resolve('out/p.csv'));
  expect(outputTarget('s3://bucket/out/p.csv')).toBe('s3://bucket/out/p.csv');
  expect(outputSibling('s3://bucket/out/p.csv', 'p.report.json')).toBe('s3://bucket/out/p.report.json');
  expect(outputSibling('s3://bucket/p.csv', 'p.report.json')).toBe('s3://bucket/p.report.json');
  expect(outputSibling('out/p.csv', 'p.report.json')).toBe(path.join('out', 'p.report.json'));
  expect(defaultReportPath(pipeline([]))).toBe('s3://bucket/out/p.report.json');
  expect(bucketListPath('s3://bucket/out/list.txt', 'astrogeo-ard')).toBe('s3://bucket/out/list.astrogeo-ard.files.txt');
  expect(shardPath('s3://bucket/out/p.report.json', { index: 7, count: 64 })).toBe('s3://bucket/out/p.shard-0007-of-0064.report.json');
});

test('an s3:// output names a bucket and a key with a file name; the key is taken literally', () => {
  expect(outputObject('s3://bucket/a%20b/../c.csv')).toEqual({ bucket: 'bucket', key: 'a%20b/../c.csv' });
  expect(() => outputObject('s3://bucket/')).toThrow(/s3:\/\/BUCKET\/KEY/);
  expect(() => outputObject('s3://bucket')).toThrow(/s3:\/\/BUCKET\/KEY/);
  expect(() => outputObject('s3://bucket/out/')).toThrow(/file name at the end/);
});

test('the staged file of a URL stays in the staging folder whatever the key holds', () => {
  const staged = stagingPathFor('s3://bucket/../../etc/pass wd');
  expect(path.basename(path.dirname(staged))).toMatch(/^stacflow-outputs-\d+-\d+$/);
  expect(path.basename(staged)).toMatch(/^[0-9a-f]{16}-pass_wd$/);
  expect(stagingPathFor('s3://a/x.csv')).not.toBe(stagingPathFor('s3://b/x.csv'));
});
