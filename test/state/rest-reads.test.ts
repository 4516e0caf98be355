import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { openStateStore } from '../../src/state/store.js';
import { END, START, stateEntry, tempDir } from './state-fixture.js';

/**
 * rest(seen) after a run that saw most items (a first run, a full search): the entries of the seen items are
 * not read at all, only the small `items` rows. Measured as the bytes this process reads from files
 * (/proc/self/io `rchar`: SQLite reads its pages with pread), on a reopened store whose page cache is empty.
 */
let dir: string;
beforeAll(async () => {
  dir = await tempDir('rest-reads');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const bytesRead = (): number => Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);

test('rest(seen) reads only the unseen items’ entries: 400 entries of ~64 KB, 397 seen, well under 2 MB read', async () => {
  const file = path.join(dir, 'state.sqlite');
  const store = await openStateStore(file);
  const run = store.beginRun(START);
  const big = (i: number) => stateEntry(i, { fields: { n: i, note: 'x'.repeat(64 * 1024) } });
  for (let i = 0; i < 400; i += 1) store.record(run, `c/n-${String(i).padStart(3, '0')}`, 'v1', big(i), 'done');
  store.endRun(run, END);
  store.close();

  const again = await openStateStore(file);
  const seen = new Set([...again.memory().keys()].filter((key) => !['c/n-007', 'c/n-200', 'c/n-399'].includes(key)));
  const before = bytesRead();
  const rest = [...again.rest(seen)];
  const read = bytesRead() - before;
  again.close();
  expect(rest.map((e) => e.item.id)).toEqual(['n-7', 'n-200', 'n-399']);
  expect(rest[1]).toEqual(big(200));
  // The three entries are ~200 KB; reading the seen ones too was ~29 MB (measured before the change).
  expect(read).toBeGreaterThan(150_000);
  expect(read).toBeLessThan(2_000_000);
});
