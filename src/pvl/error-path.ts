import { joinContinuations } from './continuation.js';
import type { PvlSyntaxError } from './errors.js';
import { locateFailure, MAX_PVL_DEPTH, PvlNestingTooDeep, type FailureSite } from './fast/parser.js';
import type { PvlModule } from './model.js';
import { matchPvl, parsePvlModule, SemanticFailure, sourcePlaces, type GrammarFailure } from './parse.js';

/**
 * What parsePvl does with a text the fast path declines (almost always: a label that is not PVL), with
 * bounded time and memory.
 *
 * The grammar (ohm) is a packrat parser: it memoises every rule at every offset and builds a node per
 * character, about 1.4 kB of heap per character of label, so a 1.4 MB label took 14.6 s and 1.9 GB to be
 * told it is invalid. So the grammar never sees more than GRAMMAR_MAX_CHARS:
 *
 * - a text that short is matched whole, as always (its message is the grammar's own, and a text the fast
 *   path should have accepted still parses: the fallback);
 * - a longer one is first run through the fast parser once more in locating mode (locateFailure: one cheap
 *   pass, no memo), which finds the rightmost failure and the statement to start reading from; the grammar
 *   then matches only that window (the headers of the blocks open there, the statement before the failure,
 *   the failing one up to the end of its line) and its message is located in the whole text. Where the
 *   window cannot be cut that small (one statement of 16 kB and more) or the grammar does not fail inside
 *   it, the error is located at the rightmost failure with the message `unexpected text`.
 *
 * Before either, nesting deeper than MAX_PVL_DEPTH is an ERR_PVL_DEPTH error at the block or list that goes
 * too deep (the grammar would overflow its stack on it, and a 1,000-deep label did).
 *
 * Memory: the joined text and the grammar's window (a 16 kB window costs ohm a few MB), nothing per
 * character, line, continuation or value: continuations are joined through one buffer and mapped back, like
 * lines, by cursors (continuation.ts); locating builds no values (a 2 MB list of numbers was 43 MB of them).
 * A 2 MB invalid label of any shape takes under twice its size over the baseline
 * (test/pvl/error-path-memory.test.ts).
 */
export const GRAMMAR_MAX_CHARS = 16 * 1024;

export function parseDeclined(text: string, source: string): PvlModule {
  const joined = joinContinuations(text);
  const places = sourcePlaces(text, joined.toSource);
  let site: FailureSite | undefined;
  try {
    site = locateFailure(joined.text);
  } catch (err) {
    if (err instanceof PvlNestingTooDeep) throw nestingError(places, source, err.offset);
    throw err;
  }
  if (joined.text.length <= GRAMMAR_MAX_CHARS) return parsePvlModule(text, source);
  if (site === undefined) throw places.error(source, { offset: 0, expected: [], reason: 'the label could not be parsed' });
  throw windowError(joined.text, site, places, source);
}

/** ERR_PVL_DEPTH at `offset` (of the joined text): where the nesting goes past the cap. */
export function nestingError(places: ReturnType<typeof sourcePlaces>, source: string, offset: number): PvlSyntaxError {
  const reason = `nesting deeper than ${MAX_PVL_DEPTH} levels (blocks, sequences and sets inside each other) starts here; labels nest a few`;
  return places.error(source, { offset, expected: [], reason }, 'ERR_PVL_DEPTH');
}

/** The grammar's error for the window around `site`, located in the whole text. */
function windowError(text: string, site: FailureSite, places: ReturnType<typeof sourcePlaces>, source: string): PvlSyntaxError {
  const fallback = (): PvlSyntaxError =>
    places.error(source, { offset: site.offset, expected: [], reason: site.reason ?? (site.deferredAt === undefined ? undefined : 'a value the grammar cannot read') });
  const lineEnd = text.indexOf('\n', site.offset);
  const end = lineEnd < 0 ? text.length : lineEnd + 1;
  const prefix = site.blocks.map(([start, headerEnd]) => `${text.slice(start, headerEnd)}\n`).join('');
  if (prefix.length + (end - site.windowStart) > GRAMMAR_MAX_CHARS) return fallback();
  // A value only the semantics reject: the window must match for the semantics to run, and END closes every
  // block it leaves open.
  const window = prefix + text.slice(site.windowStart, end) + (site.deferredAt === undefined ? '' : '\nEND\n');
  const toText = (offset: number): number => (offset < prefix.length ? site.windowStart : site.windowStart + offset - prefix.length);

  let failure: GrammarFailure | undefined;
  const result = matchPvl(window);
  if ('statements' in result) {
    try {
      result.statements(() => 0);
    } catch (err) {
      if (!(err instanceof SemanticFailure)) throw err;
      failure = err.failure;
    }
  } else failure = result;
  // No failure in the window, or one only at its cut end (the text goes on there): the grammar could not
  // say more than the fast parser did.
  const cutAt = window.length - (site.deferredAt === undefined ? 0 : 5);
  if (failure === undefined || (failure.offset >= cutAt && end < text.length)) return fallback();
  return places.error(source, { ...failure, offset: toText(failure.offset) });
}
