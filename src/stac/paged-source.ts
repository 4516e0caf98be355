import { Observable } from 'rxjs';
import type { Demand } from '../engine/demand.js';

/**
 * An Observable over paged results whose memory stays bounded. RxJS has no backpressure, so the source
 * bounds itself in two ways:
 *
 * 1. Pages come from an async iterator read through `prefetchOne`: page n+1 is requested as soon as page n
 *    is handed over (its items are processed while the next page travels), page n+2 only when page n+1
 *    is handed over. Never more than one page ahead.
 * 2. Each item waits for a slot of the run's `Demand` before it is emitted; the engine gives the slot back
 *    when the entry leaves the pipeline. When the pipeline holds `highWater` entries the source stops
 *    emitting, so it stops asking for pages too.
 *
 * In memory at any time: at most `highWater` entries in the pipeline, the rest of the current page and
 * one prefetched page. Limits: without a Demand (or with an unlimited one) items are emitted as fast as
 * pages arrive and buffering moves downstream (mergeMap's queue); a page is held whole, so `limit` sets
 * the size of that unit. `from(asyncIterable)` would not do: it awaits the iterator, never the consumers.
 */
export interface PagedSourceOptions<P, I, O> {
  /** The pages, fetched one by one on demand; `signal` aborts when the subscriber unsubscribes. */
  pages(signal: AbortSignal): AsyncIterable<P>;
  items(page: P): Iterable<I>;
  /** Makes the emitted value; called right before emission (count the item here). */
  toValue(item: I, page: P): O;
  demand?: Demand;
  /** The run's signal: aborting it aborts the request in flight. */
  signal?: AbortSignal;
}

export function pagedSource<P, I, O>(options: PagedSourceOptions<P, I, O>): Observable<O> {
  return new Observable<O>((subscriber) => {
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const { demand } = options;

    const run = async (): Promise<void> => {
      for await (const page of prefetchOne(options.pages(signal))) {
        for (const item of options.items(page)) {
          if (demand) {
            await demand.acquire();
            // Unsubscribed while waiting: give the slot back and stop.
            if (subscriber.closed) {
              demand.release();
              return;
            }
          }
          if (subscriber.closed) return;
          subscriber.next(options.toValue(item, page));
        }
        if (subscriber.closed) return;
      }
      subscriber.complete();
    };
    run()
      .catch((err: unknown) => subscriber.error(err))
      .finally(() => controller.abort());
    // Unsubscribed (or done): abort the request in flight, if any.
    return () => controller.abort();
  });
}

/**
 * Reads `iterable` one element ahead: when an element is handed over, the next one is already being
 * produced; never two. Leaving early abandons the element in flight (its rejection is swallowed, the
 * source is closed without waiting for it).
 */
export async function* prefetchOne<T>(iterable: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const source = iterable[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> = guarded(source.next());
  let done = false;
  try {
    for (;;) {
      let result: IteratorResult<T>;
      try {
        result = await pending;
      } catch (err) {
        done = true; // a generator that threw is finished
        throw err;
      }
      if (result.done) {
        done = true;
        return;
      }
      pending = guarded(source.next());
      yield result.value;
    }
  } finally {
    // Not awaited: the source may be busy with the element in flight; it closes once that settles.
    if (!done) source.return?.().catch(noop);
  }
}

/** Marks a promise as handled, so an abandoned prefetch that rejects is not an unhandled rejection. */
function guarded<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop);
  return promise;
}

const noop = (): void => undefined;
