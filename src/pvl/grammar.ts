import { readFileSync } from 'node:fs';
import * as ohm from 'ohm-js';
import { packagePath } from '../package-root.js';

/** pvl.ohm, read and compiled on first use (it ships in the package's src/, beside this file's source). */
let compiled: ohm.Grammar | undefined;

export function pvlGrammar(): ohm.Grammar {
  compiled ??= ohm.grammar(readFileSync(packagePath('src', 'pvl', 'pvl.ohm'), 'utf8'));
  return compiled;
}
