/**
 * A child process for the output tests: writes a small CSV to the path given (argv[2]) through CsvFileWriter,
 * as a run's csv output does, logs to stderr, and exits. `hold` as argv[3]: write one row, then wait to be
 * killed (a run killed mid-output); `abort`: write one row, abort, then write a line to stdout directly (it
 * must still be open). Run with `node --import tsx`.
 */
import { CsvFileWriter } from '../../src/catalog/csv-writer.js';

const [path, mode] = process.argv.slice(2);
const writer = new CsvFileWriter(path);
await writer.writeRow(['id', 'value']);
if (mode === 'abort') {
  await writer.abort();
  process.stdout.write('still open\n');
} else if (mode === 'hold') {
  process.stderr.write('holding\n');
  setInterval(() => undefined, 1000);
} else {
  await writer.writeRow(['a', '1']);
  await writer.writeRow(['b', '2']);
  await writer.finish();
  process.stderr.write('written\n');
}
