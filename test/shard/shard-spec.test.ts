import { SandboxCatalog, KAGUYA_TC_COLLECTIONS } from '../../sandbox/index.js';
import { MAX_SHARDS, shardFrom, shardOfItem, shardPath, shardTag, ShardUsageError } from '../../src/shard/shard-spec.js';

/** The error `fn` throws: a ShardUsageError (exit 2, ERR_USAGE) whose message matches `message`. */
function usageError(fn: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ShardUsageError);
  expect((caught as ShardUsageError).code).toBe('ERR_USAGE');
  expect((caught as Error).message).toMatch(message);
}

describe('shardFrom', () => {
  test('no shard flag: an unsharded run, whatever the environment says', () => {
    expect(shardFrom({}, { JOB_COMPLETION_INDEX: '3' })).toBeUndefined();
  });

  test('--shard I/N names both, spaces allowed, numbered from 0', () => {
    expect(shardFrom({ shard: '7/64' }, {})).toEqual({ index: 7, count: 64, from: 'flag' });
    expect(shardFrom({ shard: ' 0 / 1 ' }, {})).toEqual({ index: 0, count: 1, from: 'flag' });
  });

  test('--shard wins over the environment; --shards that agrees is accepted', () => {
    expect(shardFrom({ shard: '2/4', shards: 4 }, { JOB_COMPLETION_INDEX: '1' })).toEqual({ index: 2, count: 4, from: 'flag' });
  });

  test('--shards N reads JOB_COMPLETION_INDEX first, then AWS_BATCH_JOB_ARRAY_INDEX', () => {
    expect(shardFrom({ shards: 8 }, { JOB_COMPLETION_INDEX: '5', AWS_BATCH_JOB_ARRAY_INDEX: '6' })).toEqual({ index: 5, count: 8, from: 'JOB_COMPLETION_INDEX' });
    expect(shardFrom({ shards: 8 }, { AWS_BATCH_JOB_ARRAY_INDEX: '6' })).toEqual({ index: 6, count: 8, from: 'AWS_BATCH_JOB_ARRAY_INDEX' });
    // An empty variable is unset (a template that left it blank), the next one is read.
    expect(shardFrom({ shards: 8 }, { JOB_COMPLETION_INDEX: '', AWS_BATCH_JOB_ARRAY_INDEX: '0' })).toEqual({ index: 0, count: 8, from: 'AWS_BATCH_JOB_ARRAY_INDEX' });
  });

  test('bad values are usage errors that say what is expected', () => {
    usageError(() => shardFrom({ shard: '7' }, {}), /--shard: expected INDEX\/COUNT such as 7\/64.*got "7"/);
    usageError(() => shardFrom({ shard: '-1/4' }, {}), /expected INDEX\/COUNT/);
    usageError(() => shardFrom({ shard: '1.5/4' }, {}), /expected INDEX\/COUNT/);
    usageError(() => shardFrom({ shard: '4/4' }, {}), /--shard: shard index 4 is not in 0\.\.3/);
    usageError(() => shardFrom({ shard: '0/0' }, {}), /the number of shards must be 1 to 100000, got 0/);
    usageError(() => shardFrom({ shard: `0/${MAX_SHARDS + 1}` }, {}), /must be 1 to 100000/);
    usageError(() => shardFrom({ shard: '1/4', shards: 8 }, {}), /--shard 1\/4 and --shards 8 disagree/);
    usageError(() => shardFrom({ shards: Number.NaN }, { JOB_COMPLETION_INDEX: '0' }), /JOB_COMPLETION_INDEX: the number of shards must be 1 to 100000, got NaN/);
    usageError(() => shardFrom({ shards: 4 }, { JOB_COMPLETION_INDEX: 'x1' }), /JOB_COMPLETION_INDEX=x1: expected a shard index/);
    usageError(() => shardFrom({ shards: 4 }, { AWS_BATCH_JOB_ARRAY_INDEX: '4' }), /AWS_BATCH_JOB_ARRAY_INDEX: shard index 4 is not in 0\.\.3/);
  });

  test('--shards without an index variable never guesses: it says which to set', () => {
    usageError(() => shardFrom({ shards: 4 }, {}), /--shards 4: no shard index: set JOB_COMPLETION_INDEX .* or AWS_BATCH_JOB_ARRAY_INDEX .*, or give --shard I\/4/);
  });
});

describe('shardTag and shardPath', () => {
  test('the tag is zero-padded to at least 4 digits, wider for larger counts, so files sort in shard order', () => {
    expect(shardTag({ index: 7, count: 64 })).toBe('shard-0007-of-0064');
    expect(shardTag({ index: 42, count: 100_000 })).toBe('shard-000042-of-100000');
  });

  test('the tag goes before the extension, compound ones kept whole', () => {
    const spec = { index: 7, count: 64 };
    expect(shardPath('out/kaguya-tc.parquet', spec)).toBe('out/kaguya-tc.shard-0007-of-0064.parquet');
    expect(shardPath('out/kaguya-tc.report.json', spec)).toBe('out/kaguya-tc.shard-0007-of-0064.report.json');
    expect(shardPath('out/kaguya-tc.report.html', spec)).toBe('out/kaguya-tc.shard-0007-of-0064.report.html');
    expect(shardPath('out/items.csv.gz', spec)).toBe('out/items.shard-0007-of-0064.csv.gz');
    expect(shardPath('a.b/c.d/list.txt', spec)).toBe('a.b/c.d/list.shard-0007-of-0064.txt');
    expect(shardPath('.stacflow/kaguya-tc.sqlite', spec)).toBe('.stacflow/kaguya-tc.shard-0007-of-0064.sqlite');
  });

  test('paths stay as written: relative, ./, absolute, URLs', () => {
    const spec = { index: 0, count: 4 };
    expect(shardPath('x.csv', spec)).toBe('x.shard-0000-of-0004.csv');
    expect(shardPath('./x.csv', spec)).toBe('./x.shard-0000-of-0004.csv');
    expect(shardPath('/data/out/x.csv', spec)).toBe('/data/out/x.shard-0000-of-0004.csv');
    expect(shardPath('s3://bucket/run/x.parquet', spec)).toBe('s3://bucket/run/x.shard-0000-of-0004.parquet');
  });

  test('no extension: the tag at the end; a dotfile is a name, not an extension', () => {
    const spec = { index: 1, count: 2 };
    expect(shardPath('out/manifest', spec)).toBe('out/manifest.shard-0001-of-0002');
    expect(shardPath('out/.state', spec)).toBe('out/.state.shard-0001-of-0002');
  });

  test('standard output and devices are shared as they are', () => {
    const spec = { index: 1, count: 2 };
    expect(shardPath('-', spec)).toBe('-');
    expect(shardPath('/dev/stdout', spec)).toBe('/dev/stdout');
    expect(shardPath('', spec)).toBe('');
  });
});

describe('shardOfItem', () => {
  test('matches an independent implementation (Python: int.from_bytes(sha256(f"{c}/{id}").digest()[:6], "big") % n)', () => {
    // Computed with python3 -c 'import hashlib; ...' (the formula above), not with this code.
    expect(shardOfItem('kaguya_terrain_camera_monoscopic_uncontrolled_observations', 'TC1W2B0_01_02735N583E3365', 64)).toBe(19);
    expect(shardOfItem('kaguya_terrain_camera_stereoscopic_uncontrolled_observations', 'TC1S2B0_01_06691S820E0465', 4)).toBe(3);
    expect(shardOfItem('kaguya_terrain_camera_spsupport_uncontrolled_observations', 'TC1SP_02_03258N297E1187', 10_000)).toBe(5159);
    expect(shardOfItem(undefined, 'lonely-item', 7)).toBe(1); // no collection: hashed as `/id`
    expect(shardOfItem('c', 'é-ü/ñ', 100_000)).toBe(60208); // UTF-8 bytes
    expect(shardOfItem('a', 'b', 2)).toBe(0);
  });

  test('one shard holds everything', () => {
    expect(shardOfItem('any', 'thing', 1)).toBe(0);
  });

  test('60,000 sandbox items spread over 4, 8 and 64 shards within a few % of even', () => {
    const catalog = new SandboxCatalog(42, KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: 20_000 })));
    const items = Array.from({ length: 60_000 }, (_, g) => [catalog.collectionId(g), catalog.id(g)] as const);
    expect(new Set(items.map(([c, id]) => `${c}/${id}`)).size).toBe(60_000);
    for (const [count, tolerance] of [
      [4, 0.03],
      [8, 0.04],
      [64, 0.15], // ~940 a shard: the binomial's σ is ~3%, so 15% is 5σ
    ] as const) {
      const sizes = new Array<number>(count).fill(0);
      for (const [c, id] of items) sizes[shardOfItem(c, id, count)] += 1;
      const mean = items.length / count;
      const worst = Math.max(...sizes.map((n) => Math.abs(n - mean) / mean));
      expect({ count, worst: worst < tolerance }).toEqual({ count, worst: true });
    }
  });
});
