import { from, lastValueFrom, toArray } from 'rxjs';
import { newEntry, type Entry, type StacItem } from '../../src/entry.js';
import { EntryError, failEntry, perEntry } from '../../src/pipeline/per-entry.js';
import { testContext } from '../helpers/context.js';

const item = (id: string) => ({ type: 'Feature', id, geometry: null, properties: {}, assets: {} }) as unknown as StacItem;

test('entries that gained failures count as failed, not passed, whether the work threw or recorded them itself', async () => {
  const ctx = testContext('step');
  const operator = perEntry(
    ctx,
    async (entry: Entry) => {
      if (entry.item.id === 'thrown') throw new EntryError('ERR_X', 'broken', { href: 'https://h/x' });
      // One of two assets failed: the work records it and keeps the entry (and its other file).
      if (entry.item.id === 'recorded') return failEntry(ctx, entry, new EntryError('ERR_Y', 'asset b failed'));
      return entry;
    },
    2,
  );
  const out = await lastValueFrom(from(['ok', 'thrown', 'recorded'].map((id) => newEntry(item(id)))).pipe(operator, toArray()));
  expect(out.map((e) => [e.item.id, e.failures.map((f) => f.code)])).toEqual([['ok', []], ['thrown', ['ERR_X']], ['recorded', ['ERR_Y']]]);
  expect(ctx.stats.stage('step')).toMatchObject({ in: 3, out: 1, failed: 2 });
  const reported = ctx.stats.failures.map((f) => [f.item, f.code, f.href]).sort();
  expect(reported).toEqual([['recorded', 'ERR_Y', undefined], ['thrown', 'ERR_X', 'https://h/x']]);
});
