import type { SchemaElement } from 'hyparquet-writer';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import type { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { snappyCompress } from './snappy.js';

type FileMetaData = Parameters<typeof writeMetadata>[1];
export type RowGroup = FileMetaData['row_groups'][number];
export type ColumnChunk = RowGroup['columns'][number];
type Statistics = NonNullable<NonNullable<ColumnChunk['meta_data']>['statistics']>;
/** Min and max as JavaScript values (strings, numbers, bigints, booleans); the footer writer converts them. */
export type MinMax = Pick<Statistics, 'min_value' | 'max_value'> & { nan_count?: bigint };
type PageHeader = Parameters<typeof writePageHeader>[1];
/** A page header without its sizes (writePage adds them). */
type PageKind = Omit<PageHeader, 'uncompressed_page_size' | 'compressed_page_size'>;

/** What a leaf holds: its values' kind as written (value-type.ts's scalar kinds; `null` is written as string). */
export type LeafKind = 'string' | 'json' | 'double' | 'boolean' | 'timestamp' | 'wkb';

/** A column chunk's bytes are compressed while Snappy saves at least this much (else written plain, cheaper). */
const WORTH_COMPRESSING = 0.9;

/**
 * One leaf (primitive) column of the Parquet schema: its definition and repetition levels and its values for the
 * row group being filled, appended as rows are shredded (shredder.ts), and encoded as one column chunk of one
 * DATA_PAGE_V2 page (plus a dictionary page) when the group is written. Encoders are kept across row groups:
 * what a column learned (its text is too varied for a dictionary, its bytes do not compress) carries over.
 * The kinds: text-column.ts (strings, JSON text), scalar-columns.ts (doubles, timestamps, booleans, WKB).
 *
 * This replaces hyparquet-writer's per-group path (Dremel over row objects for every leaf, a byte array per
 * string, a dictionary trial on the whole chunk, byte-by-byte Snappy), which cost ~80 % of the writer's CPU.
 */
export abstract class LeafColumn {
  private defs = new Uint8Array(1024);
  private reps = new Uint8Array(1024);
  /** Level entries (values and nulls) in the group. */
  protected levels = 0;
  private nulls = 0;
  private compress = true;

  constructor(
    readonly path: readonly string[],
    readonly element: SchemaElement,
    readonly maxDef: number,
    readonly maxRep: number,
    /** Min/max statistics (top-level scalars: what lets a reader skip row groups). */
    protected readonly statistics: boolean,
  ) {}

  /** Appends a value, converted to the column's kind; false (nothing appended) when it does not fit. */
  abstract add(value: unknown, def: number, rep: number): boolean;

  /** Appends a null (or an empty list, or a missing struct) at definition level `def`. */
  absent(def: number, rep: number): void {
    this.level(def, rep);
    this.nulls += 1;
  }

  protected level(def: number, rep: number): void {
    if (this.levels === this.defs.length) {
      this.defs = grow(this.defs, this.levels + 1);
      this.reps = grow(this.reps, this.levels + 1);
    }
    this.defs[this.levels] = def;
    this.reps[this.levels] = rep;
    this.levels += 1;
  }

  /** Writes the group's chunk to `writer` and empties the column for the next group. */
  writeChunk(writer: ByteWriter): ColumnChunk {
    const start = writer.offset;
    const values = this.encodeValues();
    const dictionary = values.dictionary && this.page(values.dictionary, this.compress);
    const data = this.page(values.data, this.compress);
    const levels = this.encodeLevels();
    let uncompressed = 0;
    let dictionaryOffset: bigint | undefined;
    if (dictionary) {
      dictionaryOffset = BigInt(writer.offset);
      uncompressed += this.writePage(writer, { type: 'DICTIONARY_PAGE', dictionary_page_header: { num_values: values.dictionaryCount!, encoding: 'PLAIN' } }, dictionary, undefined);
    }
    const dataOffset = BigInt(writer.offset);
    const header: PageKind = {
      type: 'DATA_PAGE_V2',
      data_page_header_v2: {
        num_values: this.levels,
        num_nulls: this.nulls,
        num_rows: this.rowCount(),
        encoding: values.encoding,
        definition_levels_byte_length: levels.defs,
        repetition_levels_byte_length: levels.reps,
        is_compressed: data.compressed,
      },
    };
    uncompressed += this.writePage(writer, header, data, levels.bytes);
    const compressedSoFar = dictionary ? dictionary.bytes.length + data.bytes.length : data.bytes.length;
    const plainSoFar = dictionary ? dictionary.plain + data.plain : data.plain;
    if (this.compress && compressedSoFar > WORTH_COMPRESSING * plainSoFar) this.compress = false;
    const chunk: ColumnChunk = {
      file_offset: BigInt(start),
      meta_data: {
        type: this.element.type!,
        encodings: dictionary ? ['PLAIN', 'RLE_DICTIONARY'] : ['PLAIN'],
        path_in_schema: [...this.path],
        codec: data.compressed ? 'SNAPPY' : 'UNCOMPRESSED',
        num_values: BigInt(this.levels),
        total_compressed_size: BigInt(writer.offset - start),
        total_uncompressed_size: BigInt(uncompressed),
        data_page_offset: dataOffset,
        dictionary_page_offset: dictionaryOffset,
        // nan_count: a field of Parquet's Statistics the footer writer serialises, not yet in hyparquet's type
        statistics: this.statistics ? ({ ...this.minMax(), null_count: BigInt(this.nulls) } as Statistics) : undefined,
      },
    };
    this.levels = 0;
    this.nulls = 0;
    this.reset();
    return chunk;
  }

  /** The group's values: PLAIN bytes, or dictionary indexes and the PLAIN dictionary. */
  protected abstract encodeValues(): { encoding: 'PLAIN' | 'RLE_DICTIONARY'; data: Uint8Array; dictionary?: Uint8Array; dictionaryCount?: number };
  protected abstract minMax(): MinMax;
  protected abstract reset(): void;

  private rowCount(): number {
    if (this.maxRep === 0) return this.levels;
    let rows = 0;
    for (let i = 0; i < this.levels; i++) if (this.reps[i] === 0) rows += 1;
    return rows;
  }

  private encodeLevels(): { bytes: Uint8Array; reps: number; defs: number } {
    const w = new ByteWriter(64);
    const reps = this.maxRep ? writeRleBitPackedHybrid(w, this.reps.subarray(0, this.levels), bitWidth(this.maxRep)) : 0;
    const defs = this.maxDef ? writeRleBitPackedHybrid(w, this.defs.subarray(0, this.levels), bitWidth(this.maxDef)) : 0;
    return { bytes: w.getBytes(), reps, defs };
  }

  private page(plain: Uint8Array, compress: boolean): { bytes: Uint8Array; plain: number; compressed: boolean } {
    return compress ? { bytes: snappyCompress(plain), plain: plain.length, compressed: true } : { bytes: plain, plain: plain.length, compressed: false };
  }

  /** Header, levels (never compressed in a V2 page), then values; returns the uncompressed size. */
  private writePage(writer: ByteWriter, header: PageKind, page: { bytes: Uint8Array; plain: number }, levels: Uint8Array | undefined): number {
    const levelBytes = levels?.length ?? 0;
    const headerStart = writer.offset;
    writePageHeader(writer, { ...header, uncompressed_page_size: levelBytes + page.plain, compressed_page_size: levelBytes + page.bytes.length });
    const headerBytes = writer.offset - headerStart;
    if (levels) writer.appendBytes(levels);
    writer.appendBytes(page.bytes);
    return headerBytes + levelBytes + page.plain;
  }
}

export function grow<T extends Uint8Array | Int32Array | Float64Array>(array: T, size: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(Math.max(2 * array.length, size));
  bigger.set(array);
  return bigger;
}

export const bitWidth = (max: number): number => (max <= 0 ? 0 : 32 - Math.clz32(max));
