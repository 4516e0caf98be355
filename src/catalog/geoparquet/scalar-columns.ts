import { grow, LeafColumn, type MinMax } from './leaf-column.js';
import { PlainBytes } from './plain-bytes.js';
import { instantMicros } from './value-type.js';
import { isGeoJsonGeometry, WkbError } from './wkb.js';

/** Doubles (a JSON number): PLAIN, little-endian, straight from a Float64Array. */
export class DoubleColumn extends LeafColumn {
  private values = new Float64Array(1024);
  private count = 0;

  add(value: unknown, def: number, rep: number): boolean {
    if (typeof value !== 'number') return false;
    this.level(def, rep);
    if (this.count === this.values.length) this.values = grow(this.values, this.count + 1);
    this.values[this.count++] = value;
    return true;
  }

  protected encodeValues() {
    return { encoding: 'PLAIN' as const, data: new Uint8Array(this.values.buffer, 0, this.count * 8) };
  }

  protected minMax(): MinMax {
    let min = Infinity;
    let max = -Infinity;
    let nan = 0;
    for (let i = 0; i < this.count; i++) {
      const v = this.values[i];
      if (Number.isNaN(v)) nan += 1;
      else {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    if (min === Infinity) return { nan_count: BigInt(nan) };
    return { min_value: min === 0 ? -0 : min, max_value: max === 0 ? 0 : max, nan_count: BigInt(nan) }; // signed zeros as the spec asks
  }

  protected reset(): void {
    this.count = 0;
  }
}

/** UTC microseconds (INT64) from ISO instants (text) or dates. */
export class TimestampColumn extends LeafColumn {
  private micros = new Float64Array(1024);
  private count = 0;

  add(value: unknown, def: number, rep: number): boolean {
    const micros = typeof value === 'string' ? instantMicros(value) : value instanceof Date && !Number.isNaN(value.getTime()) ? value.getTime() * 1000 : undefined;
    if (micros === undefined) return false;
    this.level(def, rep);
    if (this.count === this.micros.length) this.micros = grow(this.micros, this.count + 1);
    this.micros[this.count++] = micros;
    return true;
  }

  protected encodeValues() {
    const words = new Int32Array(this.count * 2);
    for (let i = 0; i < this.count; i++) {
      const m = this.micros[i]; // an integer below 2^53: split exactly into two 32-bit halves
      words[2 * i] = m % 4294967296;
      words[2 * i + 1] = Math.floor(m / 4294967296);
    }
    return { encoding: 'PLAIN' as const, data: new Uint8Array(words.buffer) };
  }

  protected minMax(): MinMax {
    if (this.count === 0) return {};
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < this.count; i++) {
      if (this.micros[i] < min) min = this.micros[i];
      if (this.micros[i] > max) max = this.micros[i];
    }
    return { min_value: BigInt(min), max_value: BigInt(max) };
  }

  protected reset(): void {
    this.count = 0;
  }
}

/** Booleans, bit-packed PLAIN. */
export class BooleanColumn extends LeafColumn {
  private values = new Uint8Array(1024);
  private count = 0;

  add(value: unknown, def: number, rep: number): boolean {
    if (typeof value !== 'boolean') return false;
    this.level(def, rep);
    if (this.count === this.values.length) this.values = grow(this.values, this.count + 1);
    this.values[this.count++] = value ? 1 : 0;
    return true;
  }

  protected encodeValues() {
    const bits = new Uint8Array(Math.ceil(this.count / 8));
    for (let i = 0; i < this.count; i++) if (this.values[i]) bits[i >> 3] |= 1 << (i & 7);
    return { encoding: 'PLAIN' as const, data: bits };
  }

  protected minMax(): MinMax {
    if (this.count === 0) return {};
    let any = 0;
    let all = 1;
    for (let i = 0; i < this.count; i++) {
      any |= this.values[i];
      all &= this.values[i];
    }
    return { min_value: all === 1, max_value: any === 1 };
  }

  protected reset(): void {
    this.count = 0;
  }
}

/** GeoJSON geometries as ISO WKB, appended to the PLAIN bytes as they come. */
export class WkbColumn extends LeafColumn {
  private plain = new PlainBytes();

  add(value: unknown, def: number, rep: number): boolean {
    if (!isGeoJsonGeometry(value)) return false;
    try {
      this.plain.wkb(value);
    } catch (err) {
      if (err instanceof WkbError) return false;
      throw err;
    }
    this.level(def, rep);
    return true;
  }

  protected encodeValues() {
    return { encoding: 'PLAIN' as const, data: this.plain.bytes() };
  }

  protected minMax(): MinMax {
    return {};
  }

  protected reset(): void {
    this.plain = new PlainBytes();
  }
}
