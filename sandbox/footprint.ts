import { between, hash32, prng } from './random.js';

const { asin, cos, floor, max, min, PI } = Math; // module aliases: global lookups are slow in vm contexts (jest)

/**
 * Where and when a generated observation lies. Most footprints fall in a nearside equatorial patch, so a
 * 2°×2° box there (the tutorial's `bbox: [3, 4, 5, 6]`) matches tens of items of a default catalog, as the real
 * API does (70 over the three Kaguya TC collections), while the rest spread over the whole Moon.
 */
export const DENSE_REGION = Object.freeze({ west: -10, south: -10, east: 20, north: 15 });
const DENSE_SHARE = 0.7;

/** The Kaguya TC mission window (the collections' temporal extent starts 2007-10-20; TC imaged from November). */
export const MISSION_START_US = Date.UTC(2007, 10, 1) * 1000;
export const MISSION_END_US = Date.UTC(2009, 5, 10) * 1000;

export interface Footprint {
  west: number;
  south: number;
  east: number;
  north: number;
}

/**
 * The footprint of item `g`. Sizes follow the real ones (0.8–1.45° wide at the equator, wider towards the
 * poles; 0.75–1.6° tall); boxes never cross the antimeridian or a pole.
 */
export function drawFootprint(seed: number, g: number): Footprint {
  const draw = prng(hash32(seed, g, 1));
  const dense = draw() < DENSE_SHARE;
  const lon = dense ? between(draw(), DENSE_REGION.west, DENSE_REGION.east) : between(draw(), -180, 180);
  const lat = dense
    ? between(draw(), DENSE_REGION.south, DENSE_REGION.north)
    : max(-85, min(85, (asin(between(draw(), -1, 1)) * 180) / PI)); // uniform on the sphere
  const height = between(draw(), 0.75, 1.6);
  const width = between(draw(), 0.8, 1.45) / max(0.25, cos((lat * PI) / 180));
  const west = clamp(lon - width / 2, -180, 180 - width);
  const south = clamp(lat - height / 2, -90, 90 - height);
  return { west, south, east: west + width, north: south + height };
}

/**
 * Start time of item `g` of `total`: strictly increasing with `g` (each item owns a slot of the mission
 * window and starts somewhere in its first 90%), so `datetime desc` order is `g` descending.
 */
export function drawStartMicros(seed: number, g: number, total: number): number {
  const slot = (MISSION_END_US - MISSION_START_US) / total;
  const offset = prng(hash32(seed, g, 2))() * 0.9;
  return floor(MISSION_START_US + (g + offset) * slot);
}

const clamp = (value: number, low: number, high: number): number => min(high, max(low, value));
