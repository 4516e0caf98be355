/**
 * Values written as ISIS writes them in caminfo labels: doubles with 14 significant digits and no trailing
 * zeros (`62.64846899183`, `2328.0`), times with 7 decimals, footprints as GEOS WKT wrapped at 80 columns.
 */

/** `62.64846899183`, `2328.0`, `0.0`, `-0.31248627796484`: toPrecision(14) without trailing zeros, keeping one. */
export function isisNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const text = value.toPrecision(14);
  if (text.includes('e')) {
    const [mantissa, exponent] = text.split('e');
    return `${trimZeros(mantissa)}e${exponent}`;
  }
  return trimZeros(text);
}

function trimZeros(text: string): string {
  if (!text.includes('.')) return `${text}.0`;
  const trimmed = text.replace(/0+$/, '');
  return trimmed.endsWith('.') ? `${trimmed}0` : trimmed;
}

/** `2009-06-07T14:42:56.3051759` from microseconds since the epoch and a 7th decimal digit (0-9). */
export function isisTime(micros: number, tenthOfMicro: number): string {
  const whole = Math.floor(micros);
  const seconds = Math.floor(whole / 1e6);
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${base}.${String(whole - seconds * 1e6).padStart(6, '0')}${tenthOfMicro}`;
}

/** `KAGUYA/TC1/2009-06-07T14:42:56.366941`-style time: microseconds, no zone. */
export function isisMicroTime(micros: number): string {
  return isisTime(micros, 0).slice(0, -1);
}

/** `2023-08-23T19:23:40` from milliseconds since the epoch. */
export function isisSecondTime(millis: number): string {
  return new Date(Math.floor(millis / 1000) * 1000).toISOString().slice(0, 19);
}

/**
 * The `GisFootprint` value: `"MULTIPOLYGON (((lon lat, lon lat, ...)))"` with 16 decimals (GEOS), longitudes
 * in 0-360, wrapped as ISIS wraps long values: words moved to a new line indented to the opening quote's
 * column + 1 when the line would pass 79 characters.
 */
export function gisFootprint(ring: ReadonlyArray<readonly [number, number]>, column: number): string {
  const coordinates = ring.map(([lon, lat]) => `${lon.toFixed(16)} ${lat.toFixed(16)}`).join(', ');
  return wrapWords(`"MULTIPOLYGON (((${coordinates})))"`, column);
}

const WIDTH = 79;

/** Greedy word wrap of a value starting at `column`; continuation lines indented to `column + 1`. */
export function wrapWords(text: string, column: number): string {
  const words = text.split(' ');
  const indent = ' '.repeat(column + 1);
  const lines: string[] = [];
  let line = words[0];
  let width = column + line.length;
  for (const word of words.slice(1)) {
    if (width + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent + word;
      width = indent.length + word.length;
    } else {
      line += ` ${word}`;
      width += 1 + word.length;
    }
  }
  lines.push(line);
  return lines.join('\n');
}
