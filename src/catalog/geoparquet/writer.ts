import type { SchemaElement } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import type { Entry } from '../../entry.js';
import { STACFLOW_PREFIX } from '../catalog-item.js';
import { FileSink } from './file-sink.js';
import { FIXED_TYPES, itemRow, learn, TOP_LEVEL } from './item-row.js';
import { GeometryStats, geoMetadata, stacGeoparquetMetadata } from './metadata.js';
import type { LeafColumn, RowGroup } from './leaf-column.js';
import { compileColumn, type Fit, type Shredder } from './shredder.js';
import { schemaElements, settle, widened, type ValueType } from './value-type.js';
import { boundsOf, geometryTypeName, isGeoJsonGeometry } from './wkb.js';

/** A Parquet file's first and last four bytes. */
const MAGIC = 0x31524150; // "PAR1"

/** The column that keeps, as JSON, the values of a row that its columns cannot hold (see the drift rule). */
export const SPILL_COLUMN = `${STACFLOW_PREFIX}spill`;

export interface GeoParquetWriterOptions {
  /** Rows in a row group; the schema is learned from the first group (default 5,000 in the stage). */
  readonly rowGroupSize: number;
  /** Write failed entries too, with a `stacflow:failed` column. */
  readonly includeFailed: boolean;
  /** Counts an event under a name (`widened:<column>`, `spilled:<column>`): the stage's counters. */
  readonly count: (name: string) => void;
}

/**
 * Writes STAC items as stac-geoparquet 1.1 (item-row.ts: the columns; metadata.ts: the file metadata), streamed
 * in row groups to a temporary file renamed on `finish` (src/util/temp-output-file.ts). Rows are shredded into
 * leaf columns as they come (shredder.ts, leaf-column.ts); hyparquet-writer writes the page headers and footer.
 *
 * The drift rule (items whose properties come and go, or change type):
 * - The schema is learned from the first row group (`rowGroupSize` rows, held in memory): every column seen in
 *   it, each with the narrowest type holding all its values. Where they conflict (a number here, a text there;
 *   at any depth of a struct) the column (or the member) widens to string, non-strings written as their JSON
 *   text, and `widened:<column>` is counted once.
 * - Then the schema is fixed and rows are converted and written as they come. A value that does not fit its
 *   column (a column never seen in the first group, another type, a struct member not known) is kept whole in
 *   the last column, `stacflow:spill`, a JSON object of column to value (its column gets what fits, else null),
 *   and `spilled:<column>` is counted for each such row. Nothing is dropped and nothing ends the run.
 * - A property named like a top-level column cannot be lifted: it is spilled as `properties.<name>`.
 * Readers recover spilled values with JSON functions (DuckDB: `"stacflow:spill"->>'$.column'`).
 */
export class GeoParquetWriter {
  private readonly sink: FileSink;
  /** Rows held while the schema is learned. */
  private held: Array<{ values: Map<string, unknown>; spill: Record<string, unknown> }> = [];
  private learned = new Map<string, ValueType>();
  private plan?: { names: string[]; known: ReadonlySet<string>; types: ValueType[]; schema: SchemaElement[]; shredders: Shredder[]; leaves: LeafColumn[] };
  /** Rows shredded into the group being filled. */
  private groupRows = 0;
  private readonly rowGroups: RowGroup[] = [];
  private readonly fit: Fit = { lossless: true };
  private readonly geometry = new Map<string, GeometryStats>();
  private widenedColumns = new Set<string>();
  rows = 0;

  constructor(readonly path: string, private readonly options: GeoParquetWriterOptions) {
    this.sink = new FileSink(path);
  }

  async write(entry: Entry): Promise<void> {
    const { values, collisions } = itemRow(entry, this.options.includeFailed);
    return this.writeRow(values, collisions);
  }

  /** A row as itemRow makes it: what `stacflow merge` writes when it rewrites shards' rows (src/merge/geoparquet-rewrite.ts). */
  async writeRow(values: Map<string, unknown>, collisions: Readonly<Record<string, unknown>> = {}): Promise<void> {
    const spill: Record<string, unknown> = { ...collisions };
    for (const name of Object.keys(collisions)) this.options.count(`spilled:${name}`);
    this.rows += 1;
    if (!this.plan) {
      this.learn(values);
      this.held.push({ values, spill });
      if (this.held.length >= this.options.rowGroupSize) await this.startWriting();
      return;
    }
    this.addRow(values, spill);
    if (this.groupRows >= this.options.rowGroupSize) await this.writeGroup();
  }

  /**
   * Writes the last group and the footer, with `collections` (collection id to Collection JSON) as the
   * `stac-geoparquet` metadata's (known only now: the stage reads them from the API after the last row), then
   * renames the file into place. Returns the rows written.
   */
  async finish(collections: Readonly<Record<string, unknown>> = {}): Promise<number> {
    if (!this.plan) await this.startWriting();
    await this.writeGroup();
    writeMetadata(this.sink, {
      version: 2,
      created_by: 'stacflow',
      schema: this.plan!.schema,
      num_rows: BigInt(this.rowGroups.reduce((n, g) => n + Number(g.num_rows), 0)),
      row_groups: this.rowGroups,
      key_value_metadata: [
        { key: 'geo', value: JSON.stringify(geoMetadata(this.geometry)) },
        { key: 'stac-geoparquet', value: JSON.stringify(stacGeoparquetMetadata(collections)) },
      ],
    } as Parameters<typeof writeMetadata>[1]);
    this.sink.appendUint32(MAGIC);
    await this.sink.finish();
    await this.sink.file.finish();
    return this.rows;
  }

  abort(): Promise<void> {
    this.held = [];
    this.plan = undefined;
    return this.sink.file.abort();
  }

  private learn(values: Map<string, unknown>): void {
    for (const [name, value] of values) {
      const before = this.learned.get(name);
      const after = learn(before, name, value);
      if (before && widened(before, after) && !this.widenedColumns.has(name)) {
        this.widenedColumns.add(name);
        this.options.count(`widened:${name}`);
      }
      this.learned.set(name, after);
    }
  }

  private async startWriting(): Promise<void> {
    // The top-level columns always, in the spec's order, whatever the first rows held.
    for (const name of TOP_LEVEL) if (!this.learned.has(name)) this.learned.set(name, FIXED_TYPES.get(name) ?? settle({ kind: 'null' }));
    // Then the properties, then the pipeline's columns (fields, files, failures), each in order of first sight.
    const rest = [...this.learned.keys()].filter((n) => !(TOP_LEVEL as readonly string[]).includes(n));
    const ours = (n: string): boolean => n.startsWith(STACFLOW_PREFIX) || n.startsWith('file:');
    const ordered = [...TOP_LEVEL, ...rest.filter((n) => !ours(n)), ...rest.filter(ours)];
    const names = [...ordered, SPILL_COLUMN];
    const types = names.map((n) => settle(this.learned.get(n) ?? { kind: 'string' }));
    const schema: SchemaElement[] = [
      { name: 'root', num_children: names.length },
      // All optional, `id` too: an item without one is written with a null id, not a crash of the run.
      ...names.flatMap((n, i) => schemaElements(n, types[i])),
    ];
    for (let i = 0; i < names.length; i++) if (types[i].kind === 'wkb') this.geometry.set(names[i], new GeometryStats());
    const compiled = names.map((n, i) => compileColumn(n, types[i], hasUsefulStatistics(types[i])));
    this.plan = { names, known: new Set(names), types, schema, shredders: compiled.map((c) => c.shredder), leaves: compiled.flatMap((c) => c.leaves) };
    this.sink.appendUint32(MAGIC);
    this.learned = new Map();
    const held = this.held;
    this.held = [];
    for (const { values, spill } of held) {
      this.addRow(values, spill);
      if (this.groupRows >= this.options.rowGroupSize) await this.writeGroup();
    }
  }

  /** Shreds a row into the group's leaf columns; what does not fit goes to the spill. */
  private addRow(values: Map<string, unknown>, spill: Record<string, unknown>): void {
    const { names, known, types, shredders } = this.plan!;
    const fit = this.fit;
    const last = names.length - 1;
    for (let i = 0; i < last; i++) {
      const value = values.get(names[i]);
      fit.lossless = true;
      shredders[i].write(value, 0, 0, fit);
      if (!fit.lossless) {
        spill[names[i]] = value;
        this.options.count(`spilled:${names[i]}`);
      } else if (types[i].kind === 'wkb' && value !== null && value !== undefined) this.noteGeometry(names[i], value);
    }
    for (const [name, value] of values) {
      if (known.has(name) || value === null || value === undefined) continue;
      spill[name] = value; // a column the first group never had
      this.options.count(`spilled:${name}`);
    }
    shredders[last].write(Object.keys(spill).length === 0 ? null : JSON.stringify(spill), 0, 0, fit);
    this.groupRows += 1;
  }

  private noteGeometry(column: string, value: unknown): void {
    if (!isGeoJsonGeometry(value)) return;
    this.geometry.get(column)!.add(geometryTypeName(value), boundsOf(value));
  }

  /** Encodes the group's column chunks into the sink, then empties the sink into the file. */
  private async writeGroup(): Promise<void> {
    const rows = this.groupRows;
    if (rows === 0) return;
    const start = this.sink.offset;
    const columns = this.plan!.leaves.map((leaf) => leaf.writeChunk(this.sink));
    const total_byte_size = columns.reduce((n, c) => n + (c.meta_data?.total_uncompressed_size ?? 0n), 0n);
    this.rowGroups.push({ columns, total_byte_size, num_rows: BigInt(rows), total_compressed_size: BigInt(this.sink.offset - start) });
    this.groupRows = 0;
    await this.sink.flush();
  }
}

/**
 * Min/max statistics (what lets a reader skip row groups) for scalar columns only: those of JSON documents, WKB
 * bytes and nested members help no query and cost a comparison per value.
 */
function hasUsefulStatistics(type: ValueType): boolean {
  return type.kind !== 'json' && type.kind !== 'wkb' && type.kind !== 'struct' && type.kind !== 'list';
}
