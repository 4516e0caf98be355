import { Observable, type OperatorFunction } from 'rxjs';

/**
 * `mergeMap(project, concurrency)` that emits results in the order of its inputs: up to `concurrency`
 * projections run at once, and a result that finishes early waits until every earlier one is out. Catalogs
 * then list items in search order whatever the order labels or downloads finish in.
 *
 * Written as one subscriber over a ring of slots rather than map + mergeMap + concatMap: per input that was
 * an inner Observable, two subscribers, a wrapper object and an array, and mergeMap's waiting inputs sit in
 * an array it `shift()`s, which copies the whole array once it is large (a source faster than the stage:
 * 6,000 waiting labels cost ~20 µs each to dequeue). Here an input is one slot; nothing else is allocated
 * but the projection's promise.
 *
 * Inputs wait in order; the oldest unfinished input is always running (inputs start in order), so the
 * waiting results are bounded by what the run lets in flight (the engine's Demand) and cannot deadlock.
 * A projection that rejects errors the stream; unsubscribing stops starting new projections.
 */
export function orderedMergeMap<T, R>(project: (value: T) => Promise<R>, concurrency: number): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      const queue = new Ring<Slot<T, R>>();
      let started = 0; // slots in `queue` before this index have been started
      let active = 0;
      let sourceDone = false;
      let closed = false;

      const start = (slot: Slot<T, R>): void => {
        active += 1;
        let promise: Promise<R>;
        try {
          promise = project(slot.value as T);
        } catch (err) {
          fail(err);
          return;
        }
        slot.value = undefined; // the input is not kept once its projection has it
        promise.then(
          (result) => {
            if (closed) return;
            active -= 1;
            slot.result = result;
            slot.done = true;
            flush();
          },
          fail,
        );
      };

      const flush = (): void => {
        // Results out in input order, then the freed places to the next waiting inputs.
        while (!closed && queue.length > 0 && queue.peek().done) {
          const slot = queue.shift();
          started -= 1;
          const result = slot.result as R;
          slot.result = undefined;
          subscriber.next(result);
        }
        while (!closed && active < concurrency && started < queue.length) start(queue.at(started++));
        if (!closed && sourceDone && queue.length === 0) {
          closed = true;
          subscriber.complete();
        }
      };

      const fail = (err: unknown): void => {
        if (closed) return;
        closed = true;
        subscriber.error(err);
      };

      const subscription = source.subscribe({
        next: (value) => {
          if (closed) return;
          queue.push({ value, result: undefined, done: false });
          if (active < concurrency && started < queue.length) start(queue.at(started++));
        },
        error: fail,
        complete: () => {
          sourceDone = true;
          flush();
        },
      });
      return () => {
        closed = true;
        subscription.unsubscribe();
      };
    });
}

interface Slot<T, R> {
  value: T | undefined;
  result: R | undefined;
  done: boolean;
}

/** A FIFO over a growable circular array: O(1) push, shift and indexed read. */
class Ring<T> {
  private items: Array<T | undefined> = new Array(16);
  private head = 0;
  length = 0;

  push(item: T): void {
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length) & (this.items.length - 1)] = item;
    this.length += 1;
  }

  peek(): T {
    return this.items[this.head] as T;
  }

  at(index: number): T {
    return this.items[(this.head + index) & (this.items.length - 1)] as T;
  }

  shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.length -= 1;
    return item;
  }

  private grow(): void {
    const bigger = new Array<T | undefined>(this.items.length * 2);
    for (let i = 0; i < this.length; i += 1) bigger[i] = this.at(i);
    this.items = bigger;
    this.head = 0;
  }
}
