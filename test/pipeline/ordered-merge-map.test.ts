import { from, lastValueFrom, toArray } from 'rxjs';
import { orderedMergeMap } from '../../src/pipeline/ordered-merge-map.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('results come out in input order although later inputs finish first', async () => {
  const finishedOrder: number[] = [];
  const out = await lastValueFrom(
    from([5, 1, 4, 2, 3]).pipe(
      orderedMergeMap(async (n) => {
        await sleep(n * 5);
        finishedOrder.push(n);
        return n * 10;
      }, 5),
      toArray(),
    ),
  );
  expect(out).toEqual([50, 10, 40, 20, 30]);
  expect(finishedOrder).toEqual([1, 2, 3, 4, 5]);
});

test('no more than `concurrency` projections run at once', async () => {
  let running = 0;
  let peak = 0;
  await lastValueFrom(
    from(Array.from({ length: 20 }, (_, i) => i)).pipe(
      orderedMergeMap(async (n) => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep((n % 3) * 3);
        running -= 1;
        return n;
      }, 3),
      toArray(),
    ),
  );
  expect(peak).toBe(3);
});

test('an error in a projection errors the stream', async () => {
  await expect(lastValueFrom(from([1, 2]).pipe(orderedMergeMap(async (n) => { if (n === 2) throw new Error('boom'); return n; }, 2)))).rejects.toThrow('boom');
});
