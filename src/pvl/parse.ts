import { joinContinuations, LineIndex } from './continuation.js';
import { PvlSyntaxError } from './errors.js';
import { describeExpected } from './expected.js';
import { pvlGrammar } from './grammar.js';
import type { PvlModule } from './model.js';
import { toStatements } from './semantics.js';

/** Text → model with the ohm grammar (pvl.ohm) and its semantics; throws PvlSyntaxError. */
export function parsePvlModule(text: string, source: string): PvlModule {
  const joined = joinContinuations(text);
  let lines: LineIndex | undefined;
  const locate = (offset: number) => {
    lines ??= new LineIndex(text);
    return lines.locate(joined.toSource(offset));
  };
  const fail = (offset: number, expected: string[], reason?: string): never => {
    const { line, column } = locate(offset);
    throw new PvlSyntaxError({ source, line, column, expected, lineText: (lines as LineIndex).lineText(line), ...(reason ? { reason } : {}) });
  };

  const match = pvlGrammar().match(joined.text);
  if (match.failed()) {
    const at = match.getRightmostFailurePosition();
    fail(at, describeExpected(match), unclosed(joined.text, at));
  }
  const statements = toStatements(match, {
    lineAt: (offset) => locate(offset).line,
    fail: (offset, reason) => fail(offset, [], reason),
  });
  return { statements };
}

/** A quote or `<` where the match failed that is never closed: say so rather than list what was expected. */
function unclosed(text: string, at: number): string | undefined {
  const opening = text[at];
  const closing = opening === '"' || opening === "'" ? opening : opening === '<' ? '>' : undefined;
  if (closing === undefined || text.indexOf(closing, at + 1) >= 0) return undefined;
  return opening === '<' ? "units start here but '<' is never closed by '>'" : `a quoted string starts here but its ${opening} is never closed`;
}
