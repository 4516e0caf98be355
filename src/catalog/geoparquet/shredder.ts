import type { SchemaElement } from 'hyparquet-writer';
import type { LeafColumn, LeafKind } from './leaf-column.js';
import { BooleanColumn, DoubleColumn, TimestampColumn, WkbColumn } from './scalar-columns.js';
import { TextColumn } from './text-column.js';
import { schemaElements, type ValueType } from './value-type.js';

/** Set false by a shredder when part of a value did not fit its column (left null there). */
export interface Fit {
  lossless: boolean;
}

/**
 * A column's values split into its leaf columns (Dremel's shredding: definition and repetition levels), compiled
 * once from the column's type, following value-type.ts's schema (optional everywhere, lists in Parquet's
 * three-level form). It converts as it goes: a value that does not fit (a number in a timestamp column, a
 * struct member the type lacks) is written null there and marks the Fit, so the writer spills it.
 */
export interface Shredder {
  /** Shreds `value` (null, undefined or missing: a null) at definition level `def`, repetition level `rep`. */
  write(value: unknown, def: number, rep: number, fit: Fit): void;
  /** Writes a null into every leaf below. */
  nulls(def: number, rep: number): void;
}

/** The shredder of a top-level column and the leaf columns it fills, in schema order. */
export function compileColumn(name: string, type: ValueType, statistics: boolean): { shredder: Shredder; leaves: LeafColumn[] } {
  const leaves: LeafColumn[] = [];
  const shredder = compile(name, type, [], 0, 0, leaves, statistics);
  return { shredder, leaves };
}

function compile(name: string, type: ValueType, parent: readonly string[], def: number, rep: number, leaves: LeafColumn[], statistics: boolean): Shredder {
  const path = [...parent, name];
  switch (type.kind) {
    case 'list':
      return listShredder(compile('element', type.item, [...path, 'list'], def + 2, rep + 1, leaves, false), rep + 1);
    case 'struct': {
      const members = [...type.fields].map(([member, t]) => ({ member, shredder: compile(member, t, path, def + 1, rep, leaves, false) }));
      return structShredder(members, new Set(type.fields.keys()));
    }
    default: {
      const kind = type.kind === 'null' ? 'string' : type.kind;
      const leaf = leafColumn(kind, path, schemaElements(name, type)[0], def + 1, rep, statistics);
      leaves.push(leaf);
      return leafShredder(leaf);
    }
  }
}

function leafShredder(leaf: LeafColumn): Shredder {
  return {
    write(value, def, rep, fit) {
      if (value === null || value === undefined) leaf.absent(def, rep);
      else if (!leaf.add(value, def + 1, rep)) {
        fit.lossless = false;
        leaf.absent(def, rep);
      }
    },
    nulls: (def, rep) => leaf.absent(def, rep),
  };
}

/** An optional LIST: present adds one level, each element one more (the repeated group), at repetition `level`. */
function listShredder(item: Shredder, level: number): Shredder {
  const nulls = (def: number, rep: number): void => item.nulls(def, rep);
  return {
    write(value, def, rep, fit) {
      if (value === null || value === undefined) return nulls(def, rep);
      if (!Array.isArray(value)) {
        fit.lossless = false;
        return nulls(def, rep);
      }
      if (value.length === 0) return nulls(def + 1, rep);
      for (let i = 0; i < value.length; i++) item.write(value[i], def + 2, i === 0 ? rep : level, fit);
    },
    nulls,
  };
}

/** An optional struct: present adds one level; a member the type lacks is lost (spilled by the writer). */
function structShredder(members: Array<{ member: string; shredder: Shredder }>, known: ReadonlySet<string>): Shredder {
  const nulls = (def: number, rep: number): void => {
    for (const { shredder } of members) shredder.nulls(def, rep);
  };
  return {
    write(value, def, rep, fit) {
      if (value === null || value === undefined) return nulls(def, rep);
      if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date) {
        fit.lossless = false;
        return nulls(def, rep);
      }
      const record = value as Record<string, unknown>;
      for (const { member, shredder } of members) shredder.write(record[member], def + 1, rep, fit);
      if (fit.lossless) for (const key in record) if (!known.has(key)) fit.lossless = false;
    },
    nulls,
  };
}

/** The leaf column class of a kind. */
function leafColumn(kind: LeafKind, path: readonly string[], element: SchemaElement, maxDef: number, maxRep: number, statistics: boolean): LeafColumn {
  switch (kind) {
    case 'string':
    case 'json':
      return new TextColumn(path, element, maxDef, maxRep, statistics, kind === 'json');
    case 'double':
      return new DoubleColumn(path, element, maxDef, maxRep, statistics);
    case 'timestamp':
      return new TimestampColumn(path, element, maxDef, maxRep, statistics);
    case 'boolean':
      return new BooleanColumn(path, element, maxDef, maxRep, statistics);
    case 'wkb':
      return new WkbColumn(path, element, maxDef, maxRep, statistics);
  }
}
