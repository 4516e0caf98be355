import type * as ohm from 'ohm-js';

/** One of ohm's rightmost failures (the MatchResult API has them, its typings do not). */
interface OhmFailure {
  type: string;
  getText(): string;
}

// Literal terminals worth naming; the others are pieces of words (described rules say those better), and
// `;`, allowed after any statement, would only add noise.
const PUNCTUATION = new Set(['=', ',', ')', '}', '>']);

// Order in messages: what continues the current construct first, then what starts the next one.
const ORDER = ['a value', 'units', "','", "')'", "'}'", "'='", 'a name', 'a block name', 'END_OBJECT', 'END_GROUP',
  'a statement', 'END', 'the end of the text'];

/**
 * What the grammar expected where the match failed, in PVL words for the error message:
 * rule descriptions from pvl.ohm (`a value`, `END_GROUP`) and quoted punctuation (`'='`), never rule names.
 */
export function describeExpected(match: ohm.MatchResult): string[] {
  const failures = (match as unknown as { getRightmostFailures(): OhmFailure[] }).getRightmostFailures();
  const words = new Set<string>();
  // Ohm's own messages leave out 'fluffy' failures (those that only ended a repetition); PVL is mostly
  // repetitions (statements, list items), so they are kept: they say what could have continued.
  for (const f of failures) {
    if (f.type === 'description' && f.getText() === 'a comment') continue;
    if (f.type === 'description') words.add(f.getText() === 'end of input' ? 'the end of the text' : f.getText());
    else if (f.type === 'string' && PUNCTUATION.has(f.getText())) words.add(`'${f.getText()}'`);
  }
  // `(` and `{` open a value; a name, OBJECT and GROUP open a statement.
  if (words.has("'('") || words.has("'{'")) {
    words.delete("'('");
    words.delete("'{'");
    words.add('a value');
  }
  // A name, OBJECT or GROUP start a statement (and only a statement: a value's look for `NAME =` is not
  // reported).
  if (words.has('a name') || words.has('OBJECT') || words.has('GROUP')) {
    for (const w of ['a name', 'OBJECT', 'GROUP']) words.delete(w);
    words.add('a statement');
  }
  const rank = (w: string): number => (ORDER.includes(w) ? ORDER.indexOf(w) : ORDER.length);
  return [...words].sort((a, b) => rank(a) - rank(b));
}
