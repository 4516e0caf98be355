import { TempOutputFile } from '../util/temp-output-file.js';

/**
 * A text file written line by line (each ended by `\n`, as given) to a temporary file that `finish()` moves
 * into place (src/util/temp-output-file.ts): a reader never sees half a list.
 */
export class TempLineFile extends TempOutputFile<string> {
  writeLine(line: string): Promise<void> {
    return this.write(`${line}\n`);
  }
}
