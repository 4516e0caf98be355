import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, OPEN_BRACE, OPEN_BRACKET, QUOTE } from '../util/json-complete.js';

/** One feature's JSON text, cut out of the collection, and where it starts. */
export interface FeatureText {
  /** The feature's bytes, or undefined when it was longer than the limit (skipped, never held). */
  readonly bytes: Buffer | undefined;
  /** Its place in `features` (0-based) and the line its first byte is on (1-based). */
  readonly index: number;
  readonly line: number;
}

/** The collection's own structure is broken (not its features' insides): nothing after it can be read. */
export class CollectionSyntaxError extends Error {}

const COMMA = 0x2c;
const COLON = 0x3a;
const NEWLINE = 0x0a;
const isSpace = (c: number): boolean => c === 0x20 || c === NEWLINE || c === 0x0d || c === 0x09;

/** Where the scanner is in the collection's own structure (outside any value it cuts out). */
const enum At {
  Begin, KeyOrClose, Key, Colon, Value, CommaOrClose, FeatureOrClose, Feature, FeatureCommaOrClose, Done,
}

/** What the value being cut out is: a member's key, a member's value, or a feature. */
type Cut = 'key' | 'member' | 'feature';

/**
 * Cuts a GeoJSON FeatureCollection, fed chunk by chunk, into the JSON texts of its features, without parsing
 * them: each is then one `JSON.parse` (a few times faster than a token-by-token streaming parser) and a broken
 * feature fails alone. The collection's own structure (`{`, its members, `"features": [ … ]`, commas) is
 * checked byte by byte; inside a value only brackets and strings are followed, to find where it ends. Other
 * members are cut out too and parsed when small (`type` is read that way; the rest is dropped). A value longer
 * than `maxBytes` is followed to its end without being held (`bytes` undefined). Memory: the value being cut.
 */
export class FeatureCollectionSplitter {
  private at: At = At.Begin;
  private cut?: Cut;
  private pieces: Buffer[] = [];
  private cutBytes = 0;
  private tooLong = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** A number, true, false or null: ends before the first byte that cannot be part of it. */
  private primitive = false;
  private cutLine = 1;
  private key = '';
  private line = 1;
  private lineStart = 0;
  private features = 0;
  /** The top-level `type` member, once read. */
  topType: unknown;

  constructor(private readonly maxBytes: number) {}

  /** Feeds the next chunk; returns the features it completes. Throws CollectionSyntaxError (with line:column). */
  push(chunk: Buffer): FeatureText[] {
    const out: FeatureText[] = [];
    let cutFrom = this.cut === undefined ? -1 : 0;
    for (let i = 0; i < chunk.length; i += 1) {
      const c = chunk[i];
      if (this.cut !== undefined) {
        const end = this.scanValue(c);
        if (end === 'inside') {
          if (c === NEWLINE) this.newline(i);
          continue;
        }
        // `after`: the value ends with this byte; `before`: it ended just before it (a primitive).
        const stop = end === 'after' ? i + 1 : i;
        this.keep(chunk.subarray(cutFrom, stop));
        this.finishCut(out);
        cutFrom = -1;
        if (end === 'after') continue;
      }
      if (isSpace(c)) {
        if (c === NEWLINE) this.newline(i);
        continue;
      }
      if (this.structure(c, i)) cutFrom = i;
    }
    if (this.cut !== undefined && cutFrom >= 0) this.keep(Buffer.from(chunk.subarray(cutFrom))); // a copy: the chunk is not held
    this.lineStart -= chunk.length;
    return out;
  }

  /** The input ended: throws CollectionSyntaxError unless the collection was closed. */
  end(): void {
    if (this.cut === 'member' && this.primitive) this.finishCut([]);
    if (this.at !== At.Done) throw new CollectionSyntaxError(`the JSON ends too early (line ${this.line}), after ${this.features} features`);
  }

  /** One byte of the collection's own structure; true when it starts a value to cut out. */
  private structure(c: number, i: number): boolean {
    switch (this.at) {
      case At.Begin:
        return c === OPEN_BRACE ? this.go(At.KeyOrClose) : this.unexpected(c, i, 'a JSON object ({"type": "FeatureCollection", ...})');
      case At.KeyOrClose:
        if (c === CLOSE_BRACE) return this.go(At.Done);
      // falls through: a key
      case At.Key:
        return c === QUOTE ? this.startCut('key', c) : this.unexpected(c, i, 'a member name in quotes');
      case At.Colon:
        return c === COLON ? this.go(At.Value) : this.unexpected(c, i, "':'");
      case At.Value:
        if (this.key === 'features' && c === OPEN_BRACKET) return this.go(At.FeatureOrClose);
        return startsValue(c) ? this.startCut('member', c) : this.unexpected(c, i, 'a value');
      case At.CommaOrClose:
        if (c === COMMA) return this.go(At.Key);
        return c === CLOSE_BRACE ? this.go(At.Done) : this.unexpected(c, i, "',' or '}'");
      case At.FeatureOrClose:
        if (c === CLOSE_BRACKET) return this.go(At.CommaOrClose);
      // falls through: a feature
      case At.Feature:
        return startsValue(c) ? this.startCut('feature', c) : this.unexpected(c, i, 'a feature');
      case At.FeatureCommaOrClose:
        if (c === COMMA) return this.go(At.Feature);
        return c === CLOSE_BRACKET ? this.go(At.CommaOrClose) : this.unexpected(c, i, `',' or ']' after features[${this.features - 1}]`);
      case At.Done:
        return this.unexpected(c, i, 'nothing after the collection');
    }
  }

  private go(at: At): false {
    this.at = at;
    return false;
  }

  private startCut(cut: Cut, c: number): true {
    this.cut = cut;
    this.cutLine = this.line;
    this.pieces = [];
    this.cutBytes = 0;
    this.tooLong = false;
    this.inString = c === QUOTE;
    this.escaped = false;
    this.depth = c === OPEN_BRACE || c === OPEN_BRACKET ? 1 : 0;
    this.primitive = !this.inString && this.depth === 0;
    return true;
  }

  /** Follows the value being cut by one byte (its first byte was seen by startCut, in the same state). */
  private scanValue(c: number): 'inside' | 'after' | 'before' {
    if (this.primitive) {
      if (isSpace(c) || c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET) return 'before';
      return 'inside';
    }
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (c === BACKSLASH) this.escaped = true;
      else if (c === QUOTE) {
        this.inString = false;
        if (this.depth === 0) return 'after';
      }
      return 'inside';
    }
    if (c === QUOTE) this.inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth += 1;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      this.depth -= 1;
      if (this.depth === 0) return 'after';
    }
    return 'inside';
  }

  /** The first byte of a cut is its own: scanValue starts at the byte after it. */
  private keep(piece: Buffer): void {
    if (this.tooLong) return;
    this.cutBytes += piece.length;
    if (this.cutBytes > this.maxBytes) {
      this.tooLong = true;
      this.pieces = [];
    } else if (piece.length > 0) this.pieces.push(piece);
  }

  private finishCut(out: FeatureText[]): void {
    const cut = this.cut;
    const bytes = this.tooLong ? undefined : this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces);
    this.cut = undefined;
    this.pieces = [];
    if (cut === 'feature') {
      out.push({ bytes, index: this.features, line: this.cutLine });
      this.features += 1;
      this.at = At.FeatureCommaOrClose;
    } else if (cut === 'key') {
      this.key = bytes === undefined ? '' : (JSON.parse(bytes.toString('utf8')) as string);
      this.at = At.Colon;
    } else {
      if (this.key === 'type') this.topType = bytes === undefined ? undefined : parseOrUndefined(bytes);
      this.at = At.CommaOrClose;
    }
  }

  private newline(i: number): void {
    this.line += 1;
    this.lineStart = i + 1;
  }

  private unexpected(c: number, i: number, expected: string): never {
    const shown = c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
    throw new CollectionSyntaxError(`expected ${expected} at line ${this.line}, column ${i - this.lineStart + 1}, found ${shown}`);
  }
}

/** Bytes no JSON value begins with (a value cut out from one would swallow the structure after it). */
const startsValue = (c: number): boolean => c !== COMMA && c !== COLON && c !== CLOSE_BRACE && c !== CLOSE_BRACKET;

function parseOrUndefined(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
