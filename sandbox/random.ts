/**
 * Seeded randomness for the sandbox. Each item draws from its own stream (seed, item number, purpose), so any
 * item can be rebuilt alone, in any order, and the catalog is the same on every start with the same seed.
 */

// Module-level aliases: global lookups are slow inside vm contexts (jest), and these run per item.
const { imul } = Math;

/** A 32-bit mix of the inputs (murmur3's finaliser applied per word). */
export function hash32(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const word of words) {
    let k = imul(word | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: a small, fast PRNG; returns numbers in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A number in [min, max) from a [0, 1) draw. */
export const between = (draw: number, min: number, max: number): number => min + (max - min) * draw;
