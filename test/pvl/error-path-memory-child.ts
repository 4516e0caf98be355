/**
 * The child process of error-path-memory.test.ts: builds one invalid label (invalid-labels.ts) and has the
 * error path (parseDeclined) locate its error between explicit collections, so that the test can read the
 * heap's size before every collection in between from V8's --trace-gc lines (`testing` marks gc()); then
 * parsePvl gives the same error through the public API. Argv: the case's name. Run with
 * `node --expose-gc --trace-gc --max-semi-space-size=1 --import tsx`; prints one JSON line (among V8's).
 */
import { parseDeclined } from '../../src/pvl/error-path.js';
import { parsePvl, PvlSyntaxError } from '../../src/pvl/index.js';
import { INVALID_LABELS, type InvalidLabelName } from './invalid-labels.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const errorOf = (parse: () => unknown): PvlSyntaxError => {
  try {
    parse();
  } catch (err) {
    if (err instanceof PvlSyntaxError) return err;
    throw err;
  }
  throw new Error('the label parsed');
};

// Warm up (the grammar compiled, the parsers' code loaded), so that the baseline holds them.
errorOf(() => parseDeclined('Object = A\n  X = = 1\nEnd_Object\nEnd\n', 'warm-up'));
const label = INVALID_LABELS[process.argv[2] as InvalidLabelName]();

// The measured span: from the second of these collections to the next one. Buffers live outside the heap.
gc();
gc();
const buffers = process.memoryUsage().arrayBuffers;
const cpu = process.cpuUsage();
const err = errorOf(() => parseDeclined(label.text, 'label.pvl'));
const cpuUsed = process.cpuUsage(cpu);
const buffersGrowth = Math.max(0, process.memoryUsage().arrayBuffers - buffers);
gc();

const publicErr = errorOf(() => parsePvl(label.text, { source: 'label.pvl' }));
process.stdout.write(
  `${JSON.stringify({
    bytes: label.text.length,
    buffersGrowth,
    cpuMs: (cpuUsed.user + cpuUsed.system) / 1000,
    line: err.line,
    column: err.column,
    code: err.code,
    message: err.message,
    publicMessage: publicErr.message,
  })}\n`,
);
