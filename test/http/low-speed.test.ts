import { watchLowSpeed } from '../../src/http/low-speed.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a body that stops is caught after the low-speed time', async () => {
  let slow: number | undefined;
  const started = Date.now();
  const watch = watchLowSpeed(1000, 200, (bytes) => (slow = bytes));
  watch.add(5000);
  while (slow === undefined && Date.now() - started < 2000) await wait(10);
  watch.stop();
  expect(slow).toBe(5000);
  expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  expect(Date.now() - started).toBeLessThan(600);
});

test('a body fast enough is never caught', async () => {
  let slow = false;
  const watch = watchLowSpeed(1000, 100, () => (slow = true));
  for (let i = 0; i < 30; i += 1) {
    watch.add(100); // 100 bytes every 10 ms: 10 KB/s
    await wait(10);
  }
  watch.stop();
  expect(slow).toBe(false);
});

test('a limit of 0 watches nothing', async () => {
  let slow = false;
  const watch = watchLowSpeed(0, 20, () => (slow = true));
  await wait(100);
  watch.stop();
  expect(slow).toBe(false);
});
