import { toCanonical, type CanonicalModule } from './canonical.js';
import type { PvlBlock, PvlModule, PvlPlain, PvlQueryable, PvlStatement, PvlValue } from './model.js';

/**
 * Path queries over PVL statements, for a whole document or one of its blocks.
 *
 *     doc.get('Caminfo.Geometry.IncidenceAngle')   → 37.2 (a number)
 *     doc.get('caminfo.geometry.incidenceangle')   → the same: names match ignoring case (PVL says so)
 *     doc.get('IsisCube.Core.Dimensions')          → a block view (get, statements)
 *     doc.get('IsisCube.Instrument.StartTime')     → '2009-06-07T14:00:01.123' (a date-time's iso text)
 *     doc.get('Mapping.CenterLongitude')           → { value: 180, units: 'DEGREES' } (field paths read
 *                                                     it as 180, and `...CenterLongitude@units` as 'DEGREES')
 *     doc.get('Kernels.TargetPosition[1]')         → the second item of a sequence value
 *     doc.get('^IMAGE'), doc.get('ISIS:KEY')       → names with `^` and `:` are names like the others
 *
 * A path is names joined by `.`, each optionally followed by `[index]` (into a sequence or set value).
 * A repeated name answers with its first statement; `getAll` gives every match of the last name.
 * A missing name gives `undefined`, never an error.
 */
export class PvlStatements implements PvlQueryable {
  readonly statements: readonly PvlStatement[];

  constructor(statements: readonly PvlStatement[]) {
    this.statements = statements;
  }

  /** The plain value at `path` (see PvlPlain), or undefined. */
  get(path: string): PvlPlain | undefined {
    const found = this.find(path);
    return found === undefined ? undefined : toPlain(found);
  }

  /** The model node at `path`: a value, or a block for a block's name. */
  find(path: string): PvlValue | PvlBlock | undefined {
    return this.findAll(path)[0];
  }

  /** The nodes of every statement named by the last segment of `path` (repeated names, such as ISIS's `Translation`). */
  findAll(path: string): Array<PvlValue | PvlBlock> {
    const steps = parseQueryPath(path);
    if (steps === undefined) return [];
    let scope = this.statements;
    for (let s = 0; s < steps.length - 1; s += 1) {
      const first = named(scope, steps[s].name)[0];
      if (first === undefined || first.type === 'assignment' || steps[s].indexes.length > 0) return [];
      scope = first.statements;
    }
    const { name, indexes } = steps[steps.length - 1];
    const found: Array<PvlValue | PvlBlock> = [];
    for (const st of named(scope, name)) {
      const node = applyIndexes(st.type === 'assignment' ? st.value : st, indexes);
      if (node !== undefined) found.push(node);
    }
    return found;
  }

  /** Plain values of every statement named by the last segment of `path`. */
  getAll(path: string): PvlPlain[] {
    return this.findAll(path).map(toPlain);
  }

  /** An object of names → plain values (repeated names → an array of their values), for JSON output. */
  toJSON(): Record<string, unknown> {
    return statementsToJSON(this.statements);
  }
}

/** A parsed PVL text: its statements, where it came from, its canonical JSON. */
export class PvlDocument extends PvlStatements {
  /** File name or href the text came from, as given to parsePvl. */
  readonly source: string | undefined;

  constructor(module: PvlModule, source?: string) {
    super(module.statements);
    this.source = source;
  }

  /** The conformance corpus's canonical JSON structure (`{ module: [[name, value], ...] }`). */
  toCanonical(): CanonicalModule {
    return toCanonical(this);
  }
}

/** One block as a queryable view (what `get` returns for a block's name). */
export class PvlBlockView extends PvlStatements {
  readonly type: 'object' | 'group';
  readonly name: string;

  constructor(block: PvlBlock) {
    super(block.statements);
    this.type = block.type;
    this.name = block.name;
  }
}

interface QueryStep {
  name: string;
  indexes: number[];
}

const STEP = /^([^.[\]]+)((?:\[\d+\])*)$/;

function parseQueryPath(path: string): QueryStep[] | undefined {
  const steps: QueryStep[] = [];
  for (const part of path.split('.')) {
    const m = STEP.exec(part.trim());
    if (!m) return undefined;
    const indexes = [...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
    steps.push({ name: m[1], indexes });
  }
  return steps;
}

// Name → statements, built once per statement list on first query (labels are queried once per select path).
const nameIndexes = new WeakMap<readonly PvlStatement[], Map<string, PvlStatement[]>>();

function named(scope: readonly PvlStatement[], name: string): readonly PvlStatement[] {
  let index = nameIndexes.get(scope);
  if (index === undefined) {
    index = new Map();
    for (const st of scope) {
      const key = st.name.toLowerCase();
      const list = index.get(key);
      if (list) list.push(st);
      else index.set(key, [st]);
    }
    nameIndexes.set(scope, index);
  }
  return index.get(name.toLowerCase()) ?? [];
}

function applyIndexes(node: PvlValue | PvlBlock, indexes: readonly number[]): PvlValue | PvlBlock | undefined {
  let current: PvlValue | PvlBlock | undefined = node;
  for (const i of indexes) {
    if (current?.type === 'quantity') current = current.value;
    if (current?.type !== 'sequence' && current?.type !== 'set') return undefined;
    current = current.items[i];
  }
  return current;
}

/** A model node as plain JS (see PvlPlain in model.ts). */
export function toPlain(node: PvlValue | PvlBlock): PvlPlain {
  switch (node.type) {
    case 'object':
    case 'group':
      return new PvlBlockView(node);
    case 'string':
    case 'integer':
    case 'real':
    case 'boolean':
      return node.value;
    case 'null':
    case 'empty':
      return null;
    case 'date':
    case 'time':
    case 'datetime':
      return node.iso;
    case 'quantity':
      return { value: toPlain(node.value), units: node.units };
    case 'sequence':
    case 'set':
      return node.items.map(toPlain);
  }
}

function statementsToJSON(statements: readonly PvlStatement[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const repeated = new Set<string>();
  for (const st of statements) {
    const value = st.type === 'assignment' ? toPlain(st.value) : statementsToJSON(st.statements);
    if (!Object.hasOwn(out, st.name)) setOwn(out, st.name, value);
    else if (repeated.has(st.name)) (out[st.name] as unknown[]).push(value);
    else {
      setOwn(out, st.name, [out[st.name], value]);
      repeated.add(st.name);
    }
  }
  return out;
}

/** `out[name] = value` as an own property, also for a label keyword `__proto__` (assigning it would set the prototype). */
function setOwn(out: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(out, name, { value, writable: true, enumerable: true, configurable: true });
  else out[name] = value;
}
