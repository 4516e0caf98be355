import { joinContinuations, LineIndex } from './continuation.js';
import { PvlSyntaxError } from './errors.js';
import { describeExpected } from './expected.js';
import { pvlGrammar } from './grammar.js';
import type { PvlModule } from './model.js';
import { toStatements } from './semantics.js';

/** Text → model with the ohm grammar (pvl.ohm) and its semantics; throws PvlSyntaxError. */
export function parsePvlModule(text: string, source: string): PvlModule {
  const joined = joinContinuations(text);
  const where = sourcePlaces(text, joined.toSource);
  const result = matchPvl(joined.text);
  if (!('statements' in result)) throw where.error(source, result);
  try {
    return { statements: result.statements(where.lineAt) };
  } catch (err) {
    throw err instanceof SemanticFailure ? where.error(source, err.failure) : err;
  }
}

/** Why a grammar match failed: where (an offset of the matched input), what was expected or what is wrong. */
export interface GrammarFailure {
  readonly offset: number;
  readonly expected: string[];
  readonly reason?: string;
}

/**
 * Matches `input` (continuations joined) with the grammar. On success the statements are built on demand
 * (`lineAt` gives the source line of an input offset); a semantic rejection (a digit outside its radix) is
 * then thrown as a GrammarFailure.
 */
export function matchPvl(input: string): { statements(lineAt: (offset: number) => number): PvlModule['statements'] } | GrammarFailure {
  const match = pvlGrammar().match(input);
  if (match.failed()) {
    const at = match.getRightmostFailurePosition();
    const reason = unclosed(input, at);
    return { offset: at, expected: describeExpected(match), ...(reason ? { reason } : {}) };
  }
  return {
    statements: (lineAt) =>
      toStatements(match, {
        lineAt,
        fail: (offset, reason) => {
          throw new SemanticFailure({ offset, expected: [], reason });
        },
      }),
  };
}

/** A semantic rejection while building statements, carried out of the semantics to be located. */
export class SemanticFailure {
  constructor(readonly failure: GrammarFailure) {}
}

/**
 * Lines of the original text, for offsets of the joined text (`toSource`): line numbers and errors. Lines
 * are counted from the previous question (LineIndex), never indexed: the error path of a 2 MB label asks
 * once, the semantics ask in order.
 */
export function sourcePlaces(text: string, toSource: (offset: number) => number) {
  let lines: LineIndex | undefined;
  const locate = (offset: number) => {
    lines ??= new LineIndex(text);
    return lines.locate(toSource(offset));
  };
  return {
    locate,
    lineAt: (offset: number) => locate(offset).line,
    error(source: string, failure: GrammarFailure, code?: PvlSyntaxError['code']): PvlSyntaxError {
      lines ??= new LineIndex(text);
      const at = toSource(failure.offset);
      const { line, column } = lines.locate(at);
      return new PvlSyntaxError({
        source,
        line,
        column,
        expected: failure.expected,
        lineText: lines.lineTextAt(at),
        ...(failure.reason ? { reason: failure.reason } : {}),
        ...(code === 'ERR_PVL_DEPTH' ? { code } : {}),
      });
    },
  };
}

/** A quote or `<` where the match failed that is never closed: say so rather than list what was expected. */
function unclosed(text: string, at: number): string | undefined {
  const opening = text[at];
  const closing = opening === '"' || opening === "'" ? opening : opening === '<' ? '>' : undefined;
  if (closing === undefined || text.indexOf(closing, at + 1) >= 0) return undefined;
  return opening === '<' ? "units start here but '<' is never closed by '>'" : `a quoted string starts here but its ${opening} is never closed`;
}
