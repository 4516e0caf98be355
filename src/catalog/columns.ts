import { z } from 'zod';
import type { Entry, StacItem } from '../entry.js';
import { compileFieldPath, fieldPathSchema } from '../fields/field-path.js';
import { bboxColumns, geometryColumn } from './geometry-columns.js';
import { localCopies, localPathOf } from './local-files.js';

/**
 * The column model the catalog writers share (CSV now, GeoParquet next): a column is a name and a reader.
 * Writers format values their own way (CSV: text; GeoParquet: typed).
 *
 * Default columns, decided once from one entry so that every row has the same header:
 *   id, collection, datetime                 (datetime: properties.datetime, else properties.start_datetime)
 *   each scalar field of that entry          (`select` names, in insertion order; label documents and other
 *                                              objects are left out; names taken by the columns above too)
 *   asset:<key> for each asset of that entry (its href; empty for items without that asset)
 *   file:<key> for each file the download step wrote for that entry (its local path; empty in rows whose
 *                                              download of it failed: src/catalog/local-files.ts)
 * then, only when asked (csv `geometry: true`), `geometry` (WKT) and `bbox_xmin` … `bbox_ymax`
 * and, when failed entries are written, `failed` (`stage: message`, several joined by `; `).
 * The writer takes the first entry that did not fail, so failed entries (which may lack fields) do not
 * shape the header.
 */
export interface Column {
  readonly name: string;
  readonly read: (entry: Entry) => unknown;
}

/** A column given in YAML: a field path (named by itself) or `{ name: path }` (one or more). */
export type ColumnSpec = string | Readonly<Record<string, string>>;

export const columnsSchema = z
  .array(
    z.union([
      fieldPathSchema,
      z
        .record(z.string().min(1), fieldPathSchema)
        .refine((m) => Object.keys(m).length > 0, { message: 'a column mapping needs `name: path`' }),
    ]),
  )
  .min(1)
  .superRefine((specs, ctx) => {
    const seen = new Set<string>();
    for (const name of specs.flatMap(columnNames)) {
      if (seen.has(name)) ctx.addIssue({ code: 'custom', message: `column '${name}' appears twice: name one of them with { other_name: path }` });
      seen.add(name);
    }
  })
  .describe('Columns: field paths (named by themselves) or { name: path } mappings; `geometry` is written as WKT, `bbox` as four number columns bbox_xmin, bbox_ymin, bbox_xmax, bbox_ymax. Default: id, collection, datetime, selected fields, asset hrefs');

const columnNames = (spec: ColumnSpec): string[] => (typeof spec === 'string' ? [spec] : Object.keys(spec));

/**
 * The columns YAML names. Two paths are the GIS columns (src/catalog/geometry-columns.ts): `geometry` is the
 * footprint as WKT, `bbox` four number columns `<name>_xmin` … `<name>_ymax`; any other path is read as it is.
 */
export function columnsFromSpecs(specs: readonly ColumnSpec[]): Column[] {
  const specColumns = (name: string, path: string): Column[] =>
    path === 'geometry' ? [geometryColumn(name)] : path === 'bbox' ? bboxColumns(name) : [{ name, read: compileFieldPath(path) }];
  return specs.flatMap((spec) =>
    typeof spec === 'string' ? specColumns(spec, spec) : Object.entries(spec).flatMap(([name, path]) => specColumns(name, path)),
  );
}

/** The GIS columns a writer adds to its defaults when asked (csv `geometry: true`). */
export const GIS_COLUMNS: readonly Column[] = Object.freeze([geometryColumn(), ...bboxColumns()]);

/** A STAC item's time: `datetime`, or `start_datetime` when datetime is null (a time range). */
export function itemDatetime(item: StacItem): unknown {
  const properties = item.properties ?? {};
  return properties.datetime ?? properties.start_datetime ?? null;
}

export const BASE_COLUMNS: readonly Column[] = Object.freeze([
  { name: 'id', read: (entry: Entry) => entry.item.id },
  { name: 'collection', read: (entry: Entry) => entry.item.collection ?? null },
  { name: 'datetime', read: (entry: Entry) => itemDatetime(entry.item) },
]);

export const FAILED_COLUMN: Column = Object.freeze({
  name: 'failed',
  read: (entry: Entry) => (entry.failures.length === 0 ? null : entry.failures.map((f) => `${f.stage}: ${f.message}`).join('; ')),
});

/** The default columns, decided from `sample` (see above); without a sample, the base columns only. */
export function defaultColumns(sample: Entry | undefined): Column[] {
  const columns = [...BASE_COLUMNS];
  if (!sample) return columns;
  const taken = new Set(columns.map((c) => c.name));
  for (const [name, value] of Object.entries(sample.fields)) {
    if (taken.has(name) || !isColumnValue(value)) continue;
    taken.add(name);
    columns.push({ name, read: (entry) => entry.fields[name] ?? null });
  }
  for (const key of Object.keys(sample.item.assets ?? {})) {
    columns.push({ name: `asset:${key}`, read: (entry) => entry.item.assets?.[key]?.href ?? null });
  }
  for (const [key] of localCopies(sample)) {
    columns.push({ name: `file:${key}`, read: (entry) => localPathOf(entry, key) });
  }
  return columns;
}

/** Values that make a column: scalars, dates and arrays (written as JSON); not documents or other objects. */
function isColumnValue(value: unknown): boolean {
  return value === null || typeof value !== 'object' || value instanceof Date || Array.isArray(value);
}
