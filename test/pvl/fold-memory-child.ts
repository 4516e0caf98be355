/**
 * The child of fold-memory.test.ts: a valid label whose one quoted string is 2 MB of words and white-space runs,
 * parsed by parsePvl (the fast path folds the runs) between explicit collections. Run with
 * `node --expose-gc --trace-gc --max-semi-space-size=1 --import tsx`; prints one JSON line among V8's.
 */
import { parsePvl } from '../../src/pvl/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
parsePvl('A = "x  y"\nEND\n');
const words = 'word \t\n  '.repeat(230_000);
const text = `Object = Caminfo\n  Note = "${words}"\nEnd_Object\nEnd\n`;
gc();
gc();
const value = parsePvl(text).get('Caminfo.Note') as string;
gc();
process.stdout.write(`${JSON.stringify({ bytes: text.length, folded: value.length, sample: value.slice(0, 15), words: value.split(' ').length })}\n`);
