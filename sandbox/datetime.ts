/**
 * Timestamps in microseconds since the epoch: the real items carry microseconds
 * (`2009-06-07T14:42:56.305175Z`), which a JS Date would lose. Doubles hold these integers exactly.
 */

// stac-server's RFC3339_REGEX (src/lib/api.js): what it accepts in `datetime`.
const RFC3339 = /^(\d\d\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)([.]\d+)?(Z|([-+])(\d\d):(\d\d))$/;

/** Microseconds since the epoch, or undefined when `text` is not an RFC 3339 date-time. */
export function parseMicros(text: string): number | undefined {
  const m = RFC3339.exec(text.toUpperCase());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCDate() !== day) return undefined; // 2009-02-30 and the like
  const fraction = m[7] ? Math.round(Number(`0${m[7]}`) * 1e6) : 0;
  const offsetMin = m[9] ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) : 0;
  return (ms - offsetMin * 60_000) * 1000 + fraction;
}

/** `2009-06-07T14:42:56.305175Z`: six fraction digits, as the USGS items have. */
export function formatMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // 2009-06-07T14:42:56.305Z
  const sub = String(Math.round(micros - ms * 1000)).padStart(3, '0');
  return `${iso.slice(0, 23)}${sub}Z`;
}

/** `2023-08-23T19:24:51.529Z`: milliseconds, as the items' `created`/`updated`. */
export function formatMillis(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString();
}
