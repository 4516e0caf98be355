import type { SchemaElement } from 'hyparquet-writer';
import { ByteWriter } from 'hyparquet-writer';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { bitWidth, grow, LeafColumn, type MinMax } from './leaf-column.js';
import { PlainBytes } from './plain-bytes.js';

/** Below this many values a chunk stays dictionary-encoded whatever its distinct count. */
const DICTIONARY_TRIAL = 64;

/** Text columns (strings, JSON text): dictionary-encoded while values repeat, else PLAIN as they come. */
export class TextColumn extends LeafColumn {
  private dictionary = new Map<string, number>();
  private distinct: string[] = [];
  private indexes = new Int32Array(1024);
  private count = 0;
  private plain = new PlainBytes();
  /** Whether the column is dictionary-encoded in this group; once its text proved too varied, never again. */
  private useDictionary = true;
  private min: string | undefined;
  private max: string | undefined;
  /** JSON columns: the last document and its dictionary index, and how often the next one differed. */
  private last: unknown;
  private lastIndex = -1;
  private misses = 0;

  constructor(path: readonly string[], element: SchemaElement, maxDef: number, maxRep: number, statistics: boolean, private readonly json: boolean) {
    super(path, element, maxDef, maxRep, statistics);
  }

  add(value: unknown, def: number, rep: number): boolean {
    // A document equal to the last one (proj:projjson is the same in every item of a collection) is the same
    // text: comparing costs a third of JSON.stringify. Tried while it pays (and now and then after misses).
    if (this.lastIndex >= 0 && (this.misses < 8 || (this.count & 63) === 0)) {
      if (sameJson(value, this.last)) {
        this.misses = 0;
        this.level(def, rep);
        this.pushIndex(this.lastIndex);
        return true;
      }
      this.misses += 1;
    }
    const text = this.json || typeof value !== 'string' ? JSON.stringify(value) : value;
    if (typeof text !== 'string') return false; // a function or a symbol: no JSON
    this.level(def, rep);
    if (this.useDictionary) {
      let index = this.dictionary.get(text);
      if (index === undefined) {
        if (this.distinct.length >= DICTIONARY_TRIAL && 2 * (this.distinct.length + 1) > this.count + 1) {
          this.abandonDictionary();
          this.addPlain(text);
          return true;
        }
        index = this.distinct.length;
        this.distinct.push(text);
        this.dictionary.set(text, index);
        if (this.statistics) this.noteMinMax(text);
      }
      this.pushIndex(index);
      if (this.json && typeof value === 'object') {
        this.last = value;
        this.lastIndex = index;
      }
      return true;
    }
    this.addPlain(text);
    return true;
  }

  private pushIndex(index: number): void {
    if (this.count === this.indexes.length) this.indexes = grow(this.indexes, this.count + 1);
    this.indexes[this.count++] = index;
  }

  private addPlain(text: string): void {
    this.plain.text(text);
    this.count += 1;
    if (this.statistics) this.noteMinMax(text);
  }

  private abandonDictionary(): void {
    this.useDictionary = false;
    this.lastIndex = -1;
    this.last = undefined;
    for (let i = 0; i < this.count; i++) this.plain.text(this.distinct[this.indexes[i]]);
    this.dictionary = new Map();
    this.distinct = [];
  }

  private noteMinMax(text: string): void {
    if (this.min === undefined || utf8Compare(text, this.min) < 0) this.min = text;
    if (this.max === undefined || utf8Compare(text, this.max) > 0) this.max = text;
  }

  protected encodeValues() {
    if (!this.useDictionary || this.count === 0) return { encoding: 'PLAIN' as const, data: this.plain.bytes() };
    const dictionary = new PlainBytes();
    for (const text of this.distinct) dictionary.text(text);
    const width = bitWidth(this.distinct.length - 1);
    const w = new ByteWriter(this.count + 16);
    w.appendUint8(width);
    writeRleBitPackedHybrid(w, this.indexes.subarray(0, this.count), width);
    return { encoding: 'RLE_DICTIONARY' as const, data: w.getBytes(), dictionary: dictionary.bytes(), dictionaryCount: this.distinct.length };
  }

  protected minMax(): MinMax {
    return { min_value: this.min, max_value: this.max };
  }

  protected reset(): void {
    this.count = 0;
    this.plain = new PlainBytes();
    this.min = this.max = undefined;
    this.lastIndex = -1;
    this.last = undefined;
    if (this.useDictionary) {
      this.dictionary = new Map();
      this.distinct = [];
    }
  }
}

/**
 * Whether two JSON values are equal (members in any order: the text written is the first one's, the same
 * document). Walked without allocating, as it runs on every row of a column such as proj:projjson.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || a instanceof Date || b instanceof Date) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let members = 0;
  for (const key in x) {
    if (!Object.hasOwn(y, key) || !sameJson(x[key], y[key])) return false;
    members += 1;
  }
  for (const key in y) if (Object.hasOwn(y, key) && --members < 0) return false;
  return members === 0;
}

/** Text in UTF-8 byte order (code point order), as Parquet orders BYTE_ARRAY statistics; `<` is UTF-16 order. */
function utf8Compare(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  let i = 0;
  while (i < length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i > 0 && a.charCodeAt(i - 1) >= 0xd800 && a.charCodeAt(i - 1) <= 0xdbff) i--; // inside a surrogate pair
  if (i === length) return a.length - b.length;
  const x = a.codePointAt(i)!;
  const y = b.codePointAt(i)!;
  return x - y;
}
