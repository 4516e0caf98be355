/**
 * WKB back to GeoJSON geometries: what the `items` source needs to read a stac-geoparquet `geometry` (and
 * `proj:geometry`) column. The writer is wkb.ts; this reads what it writes (ISO WKB, little-endian, `Z` as
 * +1000) and what other writers give: big-endian parts, `M` and `ZM` codes (+2000, +3000; M is dropped, GeoJSON
 * has no place for it), and EWKB's flag bits (Z 0x80000000, M 0x40000000, an SRID after 0x20000000, skipped).
 * A point whose coordinates are all NaN is WKB's empty point: `{"type": "Point", "coordinates": []}`.
 */

import type { GeoJsonGeometry } from './wkb.js';

/** Why bytes are no WKB geometry, with the byte offset where reading stopped (the caller names row and column). */
export class WkbReadError extends Error {
  override readonly name = 'WkbReadError';
}

const TYPES = ['Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'] as const;

/** Collections nest; a deeper one is hostile, not a footprint. */
const MAX_DEPTH = 32;

const EWKB_Z = 0x80000000;
const EWKB_M = 0x40000000;
const EWKB_SRID = 0x20000000;

/** The GeoJSON geometry of `bytes`, which must hold exactly one WKB geometry. Throws WkbReadError otherwise. */
export function wkbToGeometry(bytes: Uint8Array): GeoJsonGeometry {
  const reader = new WkbReader(bytes);
  const geometry = reader.geometry(0, undefined);
  if (reader.at !== bytes.length) throw new WkbReadError(`${bytes.length - reader.at} bytes after the geometry (offset ${reader.at})`);
  return geometry;
}

interface Header {
  readonly type: (typeof TYPES)[number];
  /** Numbers a position holds in the bytes (2, 3 or 4). */
  readonly stride: number;
  /** Numbers a GeoJSON position keeps: x, y and Z when there is one. */
  readonly keep: number;
  readonly little: boolean;
}

class WkbReader {
  private readonly view: DataView;
  at = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** One geometry; `expected` is the type a Multi* part must have. */
  geometry(depth: number, expected: Header['type'] | undefined): GeoJsonGeometry {
    if (depth > MAX_DEPTH) throw new WkbReadError(`geometry collections nested deeper than ${MAX_DEPTH} (offset ${this.at})`);
    const header = this.header();
    if (expected !== undefined && header.type !== expected) throw new WkbReadError(`a ${header.type} inside a Multi${expected} (offset ${this.at})`);
    switch (header.type) {
      case 'Point':
        return { type: 'Point', coordinates: this.point(header) };
      case 'LineString':
        return { type: 'LineString', coordinates: this.positions(header) };
      case 'Polygon':
        return { type: 'Polygon', coordinates: this.rings(header) };
      case 'MultiPoint':
        return { type: 'MultiPoint', coordinates: this.parts(header, depth, 'Point', 1 + 4 + 16).map((p) => p.coordinates) };
      case 'MultiLineString':
        return { type: 'MultiLineString', coordinates: this.parts(header, depth, 'LineString', 1 + 4 + 4).map((p) => p.coordinates) };
      case 'MultiPolygon':
        return { type: 'MultiPolygon', coordinates: this.parts(header, depth, 'Polygon', 1 + 4 + 4).map((p) => p.coordinates) };
      case 'GeometryCollection':
        return { type: 'GeometryCollection', geometries: this.parts(header, depth, undefined, 1 + 4 + 4) };
    }
  }

  private header(): Header {
    this.need(5);
    const order = this.bytes[this.at];
    if (order !== 0 && order !== 1) throw new WkbReadError(`byte order ${order} at offset ${this.at}, expected 0 or 1`);
    const little = order === 1;
    let code = this.view.getUint32(this.at + 1, little);
    this.at += 5;
    let z = (code & EWKB_Z) !== 0;
    let m = (code & EWKB_M) !== 0;
    if ((code & EWKB_SRID) !== 0) this.skip(4); // EWKB's SRID: GeoParquet's CRS is in the metadata
    code &= 0x0fffffff;
    const dimensions = Math.floor(code / 1000);
    const base = code % 1000;
    if (dimensions > 3 || base < 1 || base > TYPES.length) throw new WkbReadError(`unknown WKB geometry type ${code} at offset ${this.at - 4}`);
    z ||= dimensions === 1 || dimensions === 3;
    m ||= dimensions === 2 || dimensions === 3;
    return { type: TYPES[base - 1], stride: 2 + (z ? 1 : 0) + (m ? 1 : 0), keep: z ? 3 : 2, little };
  }

  private point(header: Header): number[] {
    const position = this.position(header);
    return position.every(Number.isNaN) ? [] : position;
  }

  private position({ stride, keep, little }: Header): number[] {
    this.need(8 * stride);
    const position = new Array<number>(keep);
    for (let i = 0; i < keep; i++) position[i] = this.view.getFloat64(this.at + 8 * i, little);
    this.at += 8 * stride;
    return position;
  }

  private positions(header: Header): number[][] {
    const count = this.count(header, 8 * header.stride);
    const list = new Array<number[]>(count);
    for (let i = 0; i < count; i++) list[i] = this.position(header);
    return list;
  }

  private rings(header: Header): number[][][] {
    const count = this.count(header, 4);
    const rings = new Array<number[][]>(count);
    for (let i = 0; i < count; i++) rings[i] = this.positions(header);
    return rings;
  }

  private parts(header: Header, depth: number, type: Header['type'] | undefined, smallest: number): GeoJsonGeometry[] {
    const count = this.count(header, smallest);
    const parts = new Array<GeoJsonGeometry>(count);
    for (let i = 0; i < count; i++) parts[i] = this.geometry(depth + 1, type);
    return parts;
  }

  /** A count, checked against the bytes left (each element takes at least `smallest`) before anything is allocated. */
  private count(header: Header, smallest: number): number {
    this.need(4);
    const count = this.view.getUint32(this.at, header.little);
    this.at += 4;
    if (count * smallest > this.bytes.length - this.at) throw new WkbReadError(`cut short: ${count} elements announced at offset ${this.at - 4}, more than the ${this.bytes.length - this.at} bytes left hold`);
    return count;
  }

  private skip(n: number): void {
    this.need(n);
    this.at += n;
  }

  private need(n: number): void {
    if (this.at + n > this.bytes.length) throw new WkbReadError(`cut short: ${n} bytes needed at offset ${this.at}, ${this.bytes.length - this.at} left`);
  }
}
