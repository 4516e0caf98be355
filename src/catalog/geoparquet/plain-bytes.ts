import { writeWkb, type GeoJsonGeometry } from './wkb.js';

/** PLAIN BYTE_ARRAY values (a 4-byte length, then the bytes), appended into one growing buffer. */
export class PlainBytes {
  private buffer = Buffer.allocUnsafe(1 << 14);
  private view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length);
  private at = 0;

  text(text: string): void {
    this.room(4 + 3 * text.length);
    const written = this.buffer.write(text, this.at + 4);
    this.buffer.writeUInt32LE(written, this.at);
    this.at += 4 + written;
  }

  /** A geometry's WKB, written in place; on a WkbError nothing is added. */
  wkb(geometry: GeoJsonGeometry): void {
    const size = writeWkb(geometry, (n) => (this.room(4 + n), this.view), this.at + 4);
    this.buffer.writeUInt32LE(size, this.at);
    this.at += 4 + size;
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.at);
  }

  private room(size: number): void {
    if (this.at + size <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.at + size));
    this.buffer.copy(bigger, 0, 0, this.at);
    this.buffer = bigger;
    this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
  }
}
