import { TopK } from '../../sandbox/top-k.js';

describe('sandbox TopK', () => {
  it('keeps the k smallest values, in order', () => {
    const top = new TopK<number>(4, (a, b) => a - b);
    for (const value of [9, 3, 7, 1, 8, 2, 6, 5, 4, 0]) top.offer(value);
    expect(top.sorted()).toEqual([0, 1, 2, 3]);
  });

  it('keeps everything when fewer than k are offered', () => {
    const top = new TopK<number>(10, (a, b) => b - a);
    [1, 3, 2].forEach((v) => top.offer(v));
    expect(top.sorted()).toEqual([3, 2, 1]);
  });
});
