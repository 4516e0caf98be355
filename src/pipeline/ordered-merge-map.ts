import { concatMap, defer, map, mergeMap, type OperatorFunction } from 'rxjs';

/**
 * `mergeMap(project, concurrency)` that emits results in the order of its inputs: up to `concurrency`
 * projections run at once, and a result that finishes early waits in a buffer until every earlier one is
 * out. Catalogs then list items in search order whatever the order labels or downloads finish in.
 *
 * The buffer is bounded by what the run lets in flight (the engine's Demand), and it cannot deadlock:
 * mergeMap starts projections in input order, so the oldest pending input is always running.
 */
export function orderedMergeMap<T, R>(project: (value: T) => Promise<R>, concurrency: number): OperatorFunction<T, R> {
  return (source) =>
    defer(() => {
      let received = 0;
      let emitted = 0;
      const finished = new Map<number, R>();
      return source.pipe(
        map((value) => ({ index: received++, value })),
        mergeMap(async ({ index, value }) => ({ index, result: await project(value) }), concurrency),
        concatMap(({ index, result }) => {
          finished.set(index, result);
          const ready: R[] = [];
          while (finished.has(emitted)) {
            ready.push(finished.get(emitted) as R);
            finished.delete(emitted);
            emitted += 1;
          }
          return ready;
        }),
      );
    });
}
