import type { StacItem } from '../entry.js';
import { epochMicros, readIsoInstant } from '../util/instant.js';

/**
 * Instants of a datetime plan, in microseconds since the epoch: STAC items carry microseconds
 * (`2009-06-07T14:42:56.305175Z`), which a Date would round away, and doubles hold these integers exactly.
 */

/** Microseconds of an RFC 3339 date-time (any precision the product's ISO reader takes), or undefined. */
export function instantMicros(text: string): number | undefined {
  const reading = readIsoInstant(text.trim());
  return reading.ok ? epochMicros(reading.instant) : undefined;
}

/** `2008-03-01T12:34:56.789Z`: the shortest of seconds, milliseconds or microseconds that says it exactly. */
export function formatMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // always .sssZ
  const sub = micros - ms * 1000;
  if (sub !== 0) return `${iso.slice(0, 23)}${String(sub).padStart(3, '0')}Z`;
  return iso.endsWith('.000Z') ? iso.replace('.000Z', 'Z') : iso;
}

/**
 * The instant that places an item in a window: its `datetime`, or `start_datetime` when `datetime` is null
 * (an item with an interval belongs to the window holding its start, even when the searches of later windows,
 * which overlap its interval, return it too). Undefined when the item has neither, or an unreadable one.
 */
export function itemStartMicros(item: StacItem): number | undefined {
  const properties = item.properties ?? {};
  const value = properties.datetime ?? properties.start_datetime;
  return typeof value === 'string' ? instantMicros(value) : undefined;
}
