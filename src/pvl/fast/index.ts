import { JoinedLineIndex, joinContinuations, LineIndex } from '../continuation.js';
import { PvlDocument } from '../document.js';
import type { PvlModule } from '../model.js';
import { nestingError } from '../error-path.js';
import { sourcePlaces } from '../parse.js';
import { parseStatements, PvlNestingTooDeep } from './parser.js';
import { DEFER } from './values.js';

/**
 * The fast path of PVL parsing: a hand-written parser (parser.ts) that accepts exactly what pvl.ohm
 * accepts and builds exactly the model its semantics build, a hundred times faster or more than ohm.
 * It never makes an error message: where it fails, it answers undefined and the caller asks the grammar,
 * which reports the error (or, should the two ever disagree, parses the text: a fallback). The one error
 * it throws itself: nesting past MAX_PVL_DEPTH (ERR_PVL_DEPTH, located; `source` names the label).
 *
 *     const module = fastParsePvlModule(text) ?? parsePvlModule(text, source);
 */
export function fastParsePvlModule(text: string, source = '<text>'): PvlModule | undefined {
  const joined = joinContinuations(text);
  // The parser counts lines as it skips white space; continuations add the line feeds they removed.
  const lines = joined.text === text ? new LineIndex(text) : new JoinedLineIndex(text, joined.text);
  try {
    const statements = parseStatements(joined.text, lines);
    return statements === undefined ? undefined : { statements };
  } catch (err) {
    // DEFER: the semantics reject what the grammar matched; RangeError: nesting too deep for the stack.
    if (err === DEFER || err instanceof RangeError) return undefined;
    // Nesting past MAX_PVL_DEPTH: refused here, located (no grammar would do better, ohm would overflow).
    if (err instanceof PvlNestingTooDeep) throw nestingError(sourcePlaces(text, joined.toSource), source, err.offset);
    throw err;
  }
}

/** fastParsePvlModule as a document; undefined when the grammar must decide (see above). */
export function fastParsePvl(text: string, source?: string): PvlDocument | undefined {
  const module = fastParsePvlModule(text, source);
  return module === undefined ? undefined : new PvlDocument(module, source);
}
