import { FileSyncs } from '../../src/download/file-syncs.js';

/** A file whose datasyncs end when the test says, counting how many run at once. */
function slowFile() {
  const ends: Array<() => void> = [];
  let running = 0;
  let most = 0;
  let started = 0;
  const file = {
    datasync: () => {
      started += 1;
      running += 1;
      most = Math.max(most, running);
      return new Promise<void>((resolve) => ends.push(() => {
        running -= 1;
        resolve();
      }));
    },
  };
  const endNext = async () => {
    ends.shift()?.();
    for (let i = 0; i < 5; i += 1) await Promise.resolve();
  };
  return { file, endNext, started: () => started, most: () => most };
}
const inSlot = (sync: () => Promise<void>) => sync();

test('a background sync asked for while one is under way starts nothing (that one is writing back already)', async () => {
  const { file, endNext, started } = slowFile();
  const syncs = new FileSyncs(file);
  const first = syncs.background.datasync();
  await syncs.background.datasync();
  expect(started()).toBe(1);
  await endNext();
  await first;
  await Promise.all([syncs.background.datasync(), endNext()]);
  expect(started()).toBe(2);
});

test('a covering sync waits for the one under way, then starts its own: never two at once, and it ends after its own', async () => {
  const { file, endNext, started, most } = slowFile();
  const syncs = new FileSyncs(file);
  void syncs.background.datasync();
  let covered = false;
  const covering = syncs.covering(inSlot).then(() => (covered = true));
  await endNext(); // the background sync: the covering one starts only now
  expect([started(), covered]).toEqual([2, false]);
  await endNext();
  await covering;
  expect(covered).toBe(true);
  expect(most()).toBe(1);
});
