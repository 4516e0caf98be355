/**
 * A real ISIS PVL label as a template: its text cut into literal runs and value slots, one slot per keyword,
 * named by its path (`Caminfo.Geometry.IncidenceAngle`). Rendering puts new values in some slots and keeps
 * every other byte of the real label: spacing, alignment, order, units, comments. Not a PVL parser (that is
 * src/pvl/): it only needs to know where values start and end in labels ISIS wrote.
 */

interface Slot {
  path: string;
  /** The value as written (several lines for wrapped strings and lists), without the unit. */
  value: string;
  /** ` <meters>`-style unit after the value, kept when the value changes. */
  unit: string;
  /** Column where the value starts: continuation lines of a wrapped value are indented to it. */
  column: number;
}

export interface PvlTemplate {
  /** Literal text and slots, in order. */
  readonly parts: ReadonlyArray<string | Slot>;
  /** Slot paths in order (for tests and error messages). */
  readonly paths: readonly string[];
}

const CONTAINER = /^\s*(?:Begin_)?(Object|Group)\s*=\s*(\S+)\s*$/i;
const CONTAINER_END = /^\s*End_(?:Object|Group)\s*$/i;
const KEYWORD = /^(\s*)([A-Za-z0-9_^:]+)(\s*=\s*)(.*)$/;
const UNIT = /^(.*?)(\s+<[^>]*>)$/;

/** Cuts a label into literal runs and slots. Values that open a quote or a parenthesis run until it closes. */
export function parsePvlTemplate(text: string): PvlTemplate {
  const lines = text.split('\n');
  const parts: Array<string | Slot> = [];
  const paths: string[] = [];
  const stack: string[] = [];
  let literal = '';
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    const eol = i < lines.length - 1 ? '\n' : '';
    const container = CONTAINER.exec(line);
    if (container) stack.push(container[2]);
    else if (CONTAINER_END.test(line)) stack.pop();
    const keyword = container || CONTAINER_END.test(line) ? null : KEYWORD.exec(line);
    if (!keyword) {
      literal += line + eol;
      continue;
    }
    const [, indent, name, equals, first] = keyword;
    let value = first;
    while (isOpen(value) && i + 1 < lines.length) {
      i += 1;
      value += `\n${lines[i]}`;
    }
    const unit = UNIT.exec(value);
    const path = [...stack, name].join('.');
    literal += indent + name + equals;
    parts.push(literal);
    literal = '';
    parts.push({ path, value: unit ? unit[1] : value, unit: unit ? unit[2] : '', column: indent.length + name.length + equals.length });
    paths.push(path);
    literal += i < lines.length - 1 ? '\n' : '';
  }
  if (literal) parts.push(literal);
  return Object.freeze({ parts: Object.freeze(parts), paths: Object.freeze(paths) });
}

/** Still inside a quoted string or a parenthesised list at the end of this text. */
function isOpen(value: string): boolean {
  let quoted = false;
  let depth = 0;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '(' || ch === '{')) depth += 1;
    else if (!quoted && (ch === ')' || ch === '}')) depth -= 1;
  }
  return quoted || depth > 0;
}

/** A new value: text as written, or a function of the slot's column (for wrapped values). */
export type SlotValue = string | ((column: number) => string);

/**
 * The label with `values` (by path) in place of the template's. Throws when a path is not in the template,
 * so a renamed keyword cannot silently keep the real item's value.
 */
export function renderPvlTemplate(template: PvlTemplate, values: Readonly<Record<string, SlotValue>>): string {
  for (const path of Object.keys(values)) {
    if (!template.paths.includes(path)) throw new Error(`PVL template has no keyword ${path}`);
  }
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const value = values[part.path];
    out += (value === undefined ? part.value : typeof value === 'function' ? value(part.column) : value) + part.unit;
  }
  return out;
}

/** Every slot's value as written (without unit), by path: what rendering with no values reproduces. */
export function templateValues(template: PvlTemplate): Record<string, string> {
  const values: Record<string, string> = {};
  for (const part of template.parts) if (typeof part !== 'string') values[part.path] = part.value;
  return values;
}
