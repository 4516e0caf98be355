import { lastValueFrom, take, toArray } from 'rxjs';
import { Demand } from '../../src/engine/demand.js';
import { pagedSource, prefetchOne } from '../../src/stac/paged-source.js';

/** Pages 1..n of `size` numbers; `asked` records which pages were started. */
function numberedPages(n: number, size: number) {
  const asked: number[] = [];
  async function* pages(): AsyncGenerator<number[]> {
    for (let p = 1; p <= n; p += 1) {
      asked.push(p);
      await Promise.resolve();
      yield Array.from({ length: size }, (_, i) => (p - 1) * size + i);
    }
  }
  return { asked, pages };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('prefetchOne', () => {
  it('starts the next page when a page is handed over, never two ahead', async () => {
    const { asked, pages } = numberedPages(5, 2);
    const it = prefetchOne(pages());
    expect((await it.next()).value).toEqual([0, 1]);
    await tick();
    expect(asked).toEqual([1, 2]);
    expect((await it.next()).value).toEqual([2, 3]);
    await tick();
    expect(asked).toEqual([1, 2, 3]);
    await it.return();
  });

  it('hands over every page in order', async () => {
    const { pages } = numberedPages(4, 3);
    const seen: number[][] = [];
    for await (const page of prefetchOne(pages())) seen.push(page);
    expect(seen.flat()).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('passes on an error of the source after the pages before it', async () => {
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      throw new Error('page 2 failed');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const v of prefetchOne(failing())) seen.push(v);
      })(),
    ).rejects.toThrow('page 2 failed');
    expect(seen).toEqual([1]);
  });
});

describe('pagedSource', () => {
  it('emits every item of every page, then completes', async () => {
    const { pages } = numberedPages(3, 4);
    const values = await lastValueFrom(pagedSource({ pages, items: (p: number[]) => p, toValue: (i: number) => i }).pipe(toArray()));
    expect(values).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('stops emitting when the demand is used up, with one page prefetched', async () => {
    const { asked, pages } = numberedPages(10, 4);
    const demand = new Demand(3);
    const seen: number[] = [];
    const sub = pagedSource({ pages, items: (p: number[]) => p, toValue: (i: number) => i, demand }).subscribe((v) => seen.push(v));
    for (let i = 0; i < 20; i += 1) await tick();
    expect(seen).toEqual([0, 1, 2]);
    expect(asked).toEqual([1, 2]);
    demand.release(3);
    for (let i = 0; i < 20; i += 1) await tick();
    // Page 2 (items 4-7) was handed over: page 3 is on its way, not page 4.
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(asked).toEqual([1, 2, 3]);
    demand.release(3);
    for (let i = 0; i < 20; i += 1) await tick();
    expect(seen).toHaveLength(9);
    expect(asked).toEqual([1, 2, 3, 4]);
    sub.unsubscribe();
  });

  it('stops asking for pages when the subscriber leaves', async () => {
    const { asked, pages } = numberedPages(100, 2);
    const values = await lastValueFrom(pagedSource({ pages, items: (p: number[]) => p, toValue: (i: number) => i }).pipe(take(3), toArray()));
    expect(values).toEqual([0, 1, 2]);
    for (let i = 0; i < 20; i += 1) await tick();
    expect(asked.length).toBeLessThanOrEqual(3);
  });

  it('aborts the signal it gave the pages when the subscriber leaves', async () => {
    let signal: AbortSignal | undefined;
    async function* pages(s: AbortSignal): AsyncGenerator<number[]> {
      signal = s;
      yield [1, 2, 3];
      await new Promise(() => undefined); // a page that never comes
    }
    await lastValueFrom(pagedSource({ pages, items: (p: number[]) => p, toValue: (i: number) => i }).pipe(take(2), toArray()));
    expect(signal?.aborted).toBe(true);
  });
});
