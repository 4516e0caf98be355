import { isDeepStrictEqual } from 'node:util';
import { fastParsePvlModule } from '../../src/pvl/fast/index.js';
import { toCanonical } from '../../src/pvl/index.js';
import { PvlSyntaxError } from '../../src/pvl/errors.js';
import type { PvlModule } from '../../src/pvl/model.js';
import { parsePvlModule } from '../../src/pvl/parse.js';
import type { PvlInput } from './differential-inputs.js';

/** How the fast parser and the grammar (ohm) fared on a set of inputs. */
export interface Comparison {
  /** Both parsed, to the same model (hence the same canonical JSON). */
  agree: number;
  /** Both rejected (the grammar with a PvlSyntaxError). */
  bothReject: number;
  /** The fast parser declined and the grammar parsed: correct through the fallback, but slow. */
  fallbacks: string[];
  /** Disagreements: the fast parser accepted what the grammar rejects, or built another model. */
  disagreements: string[];
}

/** Parse every input with both parsers and sort the outcomes (see Comparison). */
export function compareParsers(inputs: readonly PvlInput[]): Comparison {
  const result: Comparison = { agree: 0, bothReject: 0, fallbacks: [], disagreements: [] };
  for (const { id, text } of inputs) {
    let grammar: PvlModule | undefined;
    let error: unknown;
    try {
      grammar = parsePvlModule(text, id);
    } catch (err) {
      error = err;
    }
    const fast = fastParsePvlModule(text);
    if (error !== undefined && !(error instanceof PvlSyntaxError)) {
      result.disagreements.push(`${id}: the grammar failed with ${String(error)}`);
    } else if (grammar === undefined) {
      if (fast === undefined) result.bothReject += 1;
      else result.disagreements.push(`${id}: the fast parser accepts, the grammar rejects: ${(error as Error).message}\n${preview(text)}`);
    } else if (fast === undefined) {
      result.fallbacks.push(id);
    } else if (isDeepStrictEqual(fast, grammar)) {
      result.agree += 1;
    } else {
      result.disagreements.push(`${id}: different models\n${firstDifference(fast, grammar)}\n${preview(text)}`);
    }
  }
  return result;
}

const preview = (text: string): string => `input: ${JSON.stringify(text.length > 400 ? `${text.slice(0, 400)}…` : text)}`;

/** The first line where the two canonical forms (one statement a line) differ, or the models' JSON. */
function firstDifference(fast: PvlModule, grammar: PvlModule): string {
  const lines = (m: PvlModule) => JSON.stringify(m.statements, null, 1).split('\n');
  const [a, b] = [lines(fast), lines(grammar)];
  const i = a.findIndex((line, n) => line !== b[n]);
  const canonicalSame = isDeepStrictEqual(toCanonical(fast), toCanonical(grammar));
  return `canonical JSON ${canonicalSame ? 'same' : 'differs'}; model line ${i + 1}: fast ${a[i]?.trim()} vs grammar ${b[i]?.trim()}`;
}
