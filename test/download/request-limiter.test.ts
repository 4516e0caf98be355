import { RequestLimiter } from '../../src/download/request-limiter.js';

describe('RequestLimiter', () => {
  it('never lets more than max run at once, and serves waiters in order', async () => {
    const limiter = new RequestLimiter(3);
    const order: number[] = [];
    let running = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 20 }, (_, i) => limiter.run(async () => {
      running += 1;
      peak = Math.max(peak, running);
      order.push(i);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
    })));
    expect(peak).toBe(3);
    expect(limiter.peak).toBe(3);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(limiter.inFlight).toBe(0);
  });

  it('a waiter whose signal aborts leaves the queue', async () => {
    const limiter = new RequestLimiter(1);
    const release = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    release();
    expect(limiter.inFlight).toBe(0);
  });
});
