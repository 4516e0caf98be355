import { access } from 'node:fs/promises';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runBin } from '../cli/run-bin.js';
import { tempDir } from '../catalog/catalog-run.js';
import { shardOfItem } from '../../src/shard/shard-spec.js';
import { MONO, ndjsonIds, readReport, runPipelineBin } from './shard-runs.js';
import { writeFile } from 'node:fs/promises';

/**
 * The shard flags as a user meets them (issue 14 point 1): an AWS Batch array child's index, `stacflow run`
 * and `--dry-run` with a shard, and flags that cannot work refused with exit 2 and a message saying what to do.
 */
let sandbox: Sandbox;
let dir: string;
let file: string;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 16, collections: [{ id: MONO, items: 40 }] });
  dir = await tempDir('shard-cli');
  file = path.join(dir, 'p.yaml');
  await writeFile(file, [`name: flags`, `source: { stac_search: { api: "${sandbox.url}", collections: [${MONO}] } }`, 'outputs:', '  - ndjson: { path: out/items.ndjson }', ''].join('\n'));
});
afterAll(async () => {
  await sandbox.close();
});

const expectedIds = (index: number, count: number) =>
  sandbox.catalog
    .search({ collections: [MONO] })
    .filter((item) => shardOfItem(item.collection, item.id, count) === index)
    .map((item) => item.id)
    .sort();

test('an AWS Batch array child: --shards N with AWS_BATCH_JOB_ARRAY_INDEX', async () => {
  const ended = await runPipelineBin(dir, [file, '--shards', '3', '-q'], { AWS_BATCH_JOB_ARRAY_INDEX: '1' });
  expect({ code: ended.code, stderr: ended.stderr }).toMatchObject({ code: 0 });
  expect(await ndjsonIds(path.join(dir, 'out', 'items.shard-0001-of-0003.ndjson'))).toEqual(expectedIds(1, 3));
  const report = await readReport(path.join(dir, 'out', 'flags.shard-0001-of-0003.report.json'));
  expect(report.shard).toMatchObject({ index: 1, count: 3, from: 'AWS_BATCH_JOB_ARRAY_INDEX', strategy: 'hash', searched: 40 });
});

test('stacflow run FILE --shard I/N, with --report PATH tagged too (every shard of a job gets the same arguments)', async () => {
  const ended = await runBin('stacflow', ['run', file, '--shard', '0/2', '--report', 'reports/r.json', '-q'], { cwd: dir });
  expect({ code: ended.code, stderr: ended.stderr }).toMatchObject({ code: 0 });
  expect(await ndjsonIds(path.join(dir, 'out', 'items.shard-0000-of-0002.ndjson'))).toEqual(expectedIds(0, 2));
  expect((await readReport(path.join(dir, 'reports', 'r.shard-0000-of-0002.json'))).shard).toMatchObject({ index: 0, count: 2, from: 'flag' });
});

test('--dry-run says which shard, that the counts are the whole search, and names the shard files; writes nothing', async () => {
  const text = await runBin('run-pipeline', [file, '--dry-run', '--shard', '1/4'], { cwd: dir });
  expect({ code: text.code, stderr: text.stderr }).toMatchObject({ code: 0 });
  expect(text.stdout).toContain("shard 1/4 (shard-0001-of-0004, index from --shard): the counts below are the whole search's, all shards'; this shard keeps about 1/4 of them");
  expect(text.stdout).toContain('out/items.shard-0001-of-0004.ndjson');
  expect(text.stdout).toContain('report: out/flags.shard-0001-of-0004.report.json');
  const json = await runBin('run-pipeline', [file, '--dry-run', '--json', '--shards', '4'], { cwd: dir, env: { JOB_COMPLETION_INDEX: '3' } });
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toMatchObject({ shard: { index: 3, count: 4, from: 'JOB_COMPLETION_INDEX', counts: 'whole_search' }, items: { matched: 40 } });
  await expect(access(path.join(dir, 'out', 'items.shard-0001-of-0004.ndjson'))).rejects.toThrow();
});

test('--plan FILE: each shard searches its datetime window; together the shards keep every item once', async () => {
  const planned = await runBin('stacflow', ['plan', file, '--shards', '2', '--out', 'flags.plan.json', '-q'], { cwd: dir });
  expect({ code: planned.code, stderr: planned.stderr }).toMatchObject({ code: 0 });
  const kept: string[] = [];
  for (const index of [0, 1]) {
    const ended = await runPipelineBin(dir, [file, '--shard', `${index}/2`, '--plan', 'flags.plan.json', '-q']);
    expect({ code: ended.code, stderr: ended.stderr }).toEqual({ code: 0, stderr: '' });
    const tag = `shard-000${index}-of-0002`;
    kept.push(...(await ndjsonIds(path.join(dir, 'out', `items.${tag}.ndjson`))));
    const report = await readReport(path.join(dir, 'out', `flags.${tag}.report.json`));
    expect(report.shard).toMatchObject({ index, count: 2, strategy: 'datetime', plan: 'flags.plan.json', tag });
    // The window's search: fewer than all 40 items searched by each shard.
    expect(report.shard!.searched).toBeLessThan(40);
  }
  expect(kept.sort()).toEqual(sandbox.catalog.search({ collections: [MONO] }).map((item) => item.id).sort());
  const wrongN = await runBin('run-pipeline', [file, '--shard', '0/3', '--plan', 'flags.plan.json'], { cwd: dir });
  expect(wrongN.code).toBe(2);
  expect(wrongN.stderr).toContain('flags.plan.json');
});

describe('flags that cannot work: exit 2, nothing run, a message that says what to do', () => {
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['--shards without an index', ['--shards', '4'], { JOB_COMPLETION_INDEX: '', AWS_BATCH_JOB_ARRAY_INDEX: '' }, /--shards 4: no shard index: set JOB_COMPLETION_INDEX/],
    ['an index out of range', ['--shard', '4/4'], {}, /--shard: shard index 4 is not in 0\.\.3/],
    ['not I/N', ['--shard', 'three'], {}, /--shard: expected INDEX\/COUNT such as 7\/64/],
    ['an index variable that is not a number', ['--shards', '2'], { JOB_COMPLETION_INDEX: 'pod-1' }, /JOB_COMPLETION_INDEX=pod-1: expected a shard index/],
    ['an index variable beyond N', ['--shards', '2'], { AWS_BATCH_JOB_ARRAY_INDEX: '2' }, /AWS_BATCH_JOB_ARRAY_INDEX: shard index 2 is not in 0\.\.1/],
    ['--shard and --shards disagreeing', ['--shard', '1/4', '--shards', '8'], {}, /disagree on the number of shards/],
    ['--plan without a shard', ['--plan', 'x.plan.json'], {}, /--plan x\.plan\.json: say which shard this process is/],
  ];
  test.each(cases)('%s', async (_, args, env, message) => {
    const ended = await runBin('run-pipeline', [file, ...args], { cwd: dir, env });
    expect(ended.code).toBe(2);
    expect(ended.stderr).toMatch(message);
  });

  test('with --schedule and with stacflow status too', async () => {
    const scheduled = await runBin('run-pipeline', [file, '--schedule', '--shard', '5/5'], { cwd: dir });
    expect(scheduled.code).toBe(2);
    expect(scheduled.stderr).toMatch(/shard index 5 is not in 0\.\.4/);
    const status = await runBin('stacflow', ['status', file, '--shards', '2'], { cwd: dir, env: { JOB_COMPLETION_INDEX: '', AWS_BATCH_JOB_ARRAY_INDEX: '' } });
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/no shard index/);
  });
});
