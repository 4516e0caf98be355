import { readFileSync } from 'node:fs';
import { decodePvlBytes, parsePvl, PvlSyntaxError, type PvlDocument } from '../../src/pvl/index.js';
import { guessReasons } from './classify.js';
import { comparable, corpusFiles, firstDifference, readExpected, readInput } from './corpus.js';

/**
 * The PVL conformance corpus (test/fixtures/pvl-corpus, copied from shared/pvl-corpus): every input, decoded as its README says, parsed
 * with our parser and compared with the reference's canonical JSON. Differences are allowed only for the
 * files in allow-list.json, each with its reasons; everything else must match exactly, and every file the
 * reference rejects must either be rejected by us with a located PvlSyntaxError or be allow-listed.
 */

interface AllowList {
  reasons: Record<string, string>;
  files: Record<string, string[]>;
}

const allowList = JSON.parse(readFileSync(new URL('./allow-list.json', import.meta.url), 'utf8')) as AllowList;

describe('PVL conformance corpus', () => {
  it('matches the reference on every file, except the allow-listed ones', () => {
    const files = corpusFiles();
    const unexplained: string[] = [];
    const stale: string[] = [];
    const score = { files: 0, equal: 0, rejectedByReference: 0, weParseAllowListed: 0, weRejectToo: 0, differAllowListed: 0, bytes: 0 };
    let parseMs = 0;

    for (const file of files) {
      score.files += 1;
      const bytes = readInput(file);
      score.bytes += bytes.length;
      const { text, decoding } = decodePvlBytes(bytes);
      if (decoding !== file.decoding || [...text].length !== file.chars) {
        unexplained.push(`${file.input}: decoded as ${decoding} to ${[...text].length} chars, the corpus says ${file.decoding}, ${file.chars}`);
        continue;
      }
      const expected = readExpected(file);
      const allowed = allowList.files[file.input];

      let doc: PvlDocument | undefined;
      let error: PvlSyntaxError | undefined;
      const start = performance.now();
      try {
        doc = parsePvl(text, { source: file.input });
      } catch (err) {
        if (!(err instanceof PvlSyntaxError)) throw err;
        error = err;
      }
      parseMs += performance.now() - start;

      if (error) {
        if (error.source !== file.input || error.line < 1 || error.column < 1) unexplained.push(`${file.input}: error without a location: ${error.message}`);
        if (expected.error === undefined) unexplained.push(`${file.input}: the reference parses it, we do not:\n${error.message}`);
        else {
          score.rejectedByReference += 1;
          score.weRejectToo += 1;
          if (allowed) stale.push(`${file.input}: allow-listed, but we reject it too`);
        }
        continue;
      }
      const parsed = doc as PvlDocument;
      const suggest = (rejects: boolean): string => `(reasons seen: ${guessReasons(text, parsed.statements, rejects).join(', ') || 'none'})`;
      if (expected.error !== undefined) {
        score.rejectedByReference += 1;
        if (allowed) score.weParseAllowListed += 1;
        else unexplained.push(`${file.input}: the reference rejects it (${expected.error.slice(0, 120)}), we parse it ${suggest(true)}`);
        continue;
      }
      const difference = firstDifference(comparable(parsed.toCanonical().module), comparable(expected.module));
      if (difference === undefined) {
        score.equal += 1;
        if (allowed) stale.push(`${file.input}: allow-listed, but equal to the reference`);
      } else if (allowed) score.differAllowListed += 1;
      else unexplained.push(`${file.input}: differs at ${difference} ${suggest(false)}`);
    }

    const unknownReasons = Object.entries(allowList.files).flatMap(([f, reasons]) =>
      reasons.length === 0 ? [`${f}: no reason`] : reasons.filter((r) => !(r in allowList.reasons)).map((r) => `${f}: unknown reason ${r}`),
    );
    const mbPerS = score.bytes / 1e6 / (parseMs / 1000);
    console.log(
      `pvl conformance: ${score.files} files, ${score.equal} equal, ${score.rejectedByReference} rejected-by-reference ` +
        `of which ${score.weParseAllowListed} we parse (allow-listed) and ${score.weRejectToo} we reject too, ` +
        `${score.differAllowListed} differ on purpose (allow-listed); ${unexplained.length} unexplained; ` +
        `parse ${(parseMs / 1000).toFixed(1)} s (${mbPerS.toFixed(2)} MB/s)`,
    );
    expect(unexplained).toEqual([]);
    expect(stale).toEqual([]);
    expect(unknownReasons).toEqual([]);
    expect(score.files).toBe(files.length);
  }, 300_000);
});
