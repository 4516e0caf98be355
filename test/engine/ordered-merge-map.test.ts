import { from, lastValueFrom, Observable, toArray } from 'rxjs';
import { orderedMergeMap } from '../../src/engine/ordered-merge-map.js';

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

test('unsubscribing starts no more projections', async () => {
  const startedInputs: number[] = [];
  const subscription = from([1, 2, 3, 4, 5]).pipe(
    orderedMergeMap(async (n) => {
      startedInputs.push(n);
      await sleep(20);
      return n;
    }, 2),
  ).subscribe();
  await sleep(5);
  subscription.unsubscribe();
  await sleep(60);
  expect(startedInputs).toEqual([1, 2]);
});

test('an error of the source errors the stream, after the results already out', async () => {
  const seen: number[] = [];
  const source = new Observable<number>((s) => {
    s.next(1);
    setTimeout(() => s.error(new Error('source broke')), 20);
  });
  await expect(lastValueFrom(source.pipe(orderedMergeMap(async (n) => { seen.push(n); return n; }, 2)))).rejects.toThrow('source broke');
  expect(seen).toEqual([1]);
});

test('60,000 inputs waiting at once (a source much faster than the projections) all come out, in order', async () => {
  // mergeMap shift()ed its waiting inputs from an array, which copies the array once it is large (60,000 took
  // ~3 s of CPU); here each is a slot in a ring. The cost is measured by `npm run bench -- labels`, not here.
  const n = 60_000;
  const out = await lastValueFrom(from(Array.from({ length: n }, (_, i) => i)).pipe(orderedMergeMap(async (i) => i, 4), toArray()));
  expect(out).toHaveLength(n);
  expect(out.every((v, i) => v === i)).toBe(true);
});
