import { from, lastValueFrom, toArray } from 'rxjs';
import { newEntry, type Entry, type StacItem } from '../../src/entry.js';
import { failEntry, stepOperator } from '../../src/engine/per-entry.js';
import { perEntry } from '../../src/engine/step.js';
import { EntryError, RunAbortedError } from '../../src/errors.js';
import { testContext } from '../helpers/context.js';

const item = (id: string) => ({ type: 'Feature', id, geometry: null, properties: {}, assets: {} }) as unknown as StacItem;

test('entries that gained failures count as failed, not passed, whether the work threw or recorded them itself', async () => {
  const ctx = testContext('step');
  const operator = stepOperator(perEntry(
    async (entry: Entry) => {
      if (entry.item.id === 'thrown') throw new EntryError('ERR_X', 'broken', { href: 'https://h/x' });
      // One of two assets failed: the work records it and keeps the entry (and its other file).
      if (entry.item.id === 'recorded') return failEntry(ctx, entry, new EntryError('ERR_Y', 'asset b failed'));
      return entry;
    },
    { concurrency: 2 },
  ), ctx);
  const out = await lastValueFrom(from(['ok', 'thrown', 'recorded'].map((id) => newEntry(item(id)))).pipe(operator, toArray()));
  expect(out.map((e) => [e.item.id, e.failures.map((f) => f.code)])).toEqual([['ok', []], ['thrown', ['ERR_X']], ['recorded', ['ERR_Y']]]);
  expect(ctx.stats.stage('step')).toMatchObject({ in: 3, out: 1, failed: 2 });
  const reported = ctx.stats.failures.map((f) => [f.item, f.code, f.href]).sort();
  expect(reported).toEqual([['recorded', 'ERR_Y', undefined], ['thrown', 'ERR_X', 'https://h/x']]);
});

test('a bug (TypeError) thrown by the work is not an item failure: the stream errors with it', async () => {
  const ctx = testContext('step');
  const operator = stepOperator(perEntry(async (entry: Entry) => {
    if (entry.item.id === 'b') throw new TypeError("Cannot read properties of undefined (reading 'x')");
    return entry;
  }), ctx);
  await expect(lastValueFrom(from(['a', 'b', 'c'].map((id) => newEntry(item(id)))).pipe(operator, toArray()))).rejects.toBeInstanceOf(TypeError);
  expect(ctx.stats.failures).toEqual([]);
});

test('failEntry throws a bug or a fatal error on instead of recording it', () => {
  const ctx = testContext('step');
  const entry = newEntry(item('x'));
  expect(() => failEntry(ctx, entry, new RangeError('Invalid array length'))).toThrow(RangeError);
  expect(() => failEntry(ctx, entry, new RunAbortedError('ERR_BOOM', 'gone'))).toThrow('gone');
  expect(ctx.stats.failures).toEqual([]);
});

test('work failing after the run was aborted is not recorded: the abort cancelled it', async () => {
  const controller = new AbortController();
  const ctx = testContext('step', { signal: controller.signal });
  controller.abort(new Error('search failed'));
  const out = failEntry(ctx, newEntry(item('in-flight')), new EntryError('ERR_LABEL_UNREACHABLE', 'search failed'));
  expect(out.failures).toEqual([]);
  expect(ctx.stats.failures).toEqual([]);
  expect(ctx.stats.stage('step').failed).toBe(0);
});

test('a Node error with a code (ENOENT) is an item failure', async () => {
  const ctx = testContext('step');
  const err = Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
  const out = failEntry(ctx, newEntry(item('x')), err);
  expect(out.failures).toEqual([{ stage: 'step', code: 'ERR_UNEXPECTED', message: 'ENOENT: no such file or directory' }]);
});
