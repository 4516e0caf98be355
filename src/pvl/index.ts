/**
 * PVL (Parameter Value Language, CCSDS 641.0-B-2; the label syntax of PDS3/ODL and ISIS): text → document.
 *
 *     const { text } = decodePvlBytes(bytes);
 *     const doc = parsePvl(text, { source: href });          // throws PvlSyntaxError (file:line:col, caret)
 *     doc.get('Caminfo.Geometry.IncidenceAngle');            // → 37.2; names match ignoring case
 *     doc.toCanonical();                                     // → the conformance corpus's canonical JSON
 *
 * The grammar is src/pvl/pvl.ohm; the model (what every PVL parser here produces) is model.ts.
 */
import { decodePvlBytes } from './decode.js';
import { PvlDocument } from './document.js';
import { parseDeclined } from './error-path.js';
import { fastParsePvlModule } from './fast/index.js'; // [PVL speed, issue 3.6] the fast path

export interface ParsePvlOptions {
  /** File name or href, for error messages and `doc.source`. */
  readonly source?: string;
}

/** Parse PVL text (already decoded: see decodePvlBytes). Stops at END; throws PvlSyntaxError. */
export function parsePvl(text: string, options: ParsePvlOptions = {}): PvlDocument {
  // [PVL speed, issue 3.6] The fast path first (src/pvl/fast/, held to the grammar by test/pvl/differential*);
  // where it declines, the grammar reports the located PvlSyntaxError (error-path.ts: bounded time and memory).
  const source = options.source ?? '<text>';
  return new PvlDocument(fastParsePvlModule(text, source) ?? parseDeclined(text, source), options.source);
}

/** Decode then parse label bytes (a `.pvl`/`.lbl` file, or a cube whose label is followed by binary). */
export function parsePvlBytes(bytes: Uint8Array, options: ParsePvlOptions = {}): PvlDocument {
  return parsePvl(decodePvlBytes(bytes).text, options);
}

export { decodePvlBytes, type DecodedPvl } from './decode.js';
export { PvlDocument, PvlStatements, PvlBlockView, toPlain } from './document.js';
export { PvlSyntaxError, type PvlSyntaxErrorDetails } from './errors.js';
export { toCanonical, canonicalValue, type CanonicalModule, type CanonicalValue, type CanonicalStatement } from './canonical.js';
export type {
  PvlAssignment,
  PvlBlock,
  PvlBoolean,
  PvlDate,
  PvlDateLike,
  PvlDateTime,
  PvlEmpty,
  PvlInteger,
  PvlModule,
  PvlNull,
  PvlPlain,
  PvlPlainQuantity,
  PvlQuantity,
  PvlQueryable,
  PvlReal,
  PvlScalar,
  PvlSequence,
  PvlSet,
  PvlStatement,
  PvlString,
  PvlTime,
  PvlValue,
  PvlZone,
} from './model.js';
