import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvFileWriter, formatCsvValue } from '../../src/catalog/csv-writer.js';
import { RunAbortedError } from '../../src/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stacflow-csv-writer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('CsvFileWriter', () => {
  it('quotes commas, quotes and line breaks', async () => {
    const path = join(dir, 'quoting.csv');
    const writer = new CsvFileWriter(path);
    await writer.writeRow(['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rhere', ' spaced ']);
    await writer.finish();
    expect(readFileSync(path, 'utf8')).toBe('plain,"a,b","say ""hi""","two\nlines","cr\rhere", spaced \n');
  });

  it('writes to a temporary file beside the target and renames it on finish', async () => {
    const path = join(dir, 'nested', 'deeper', 'out.csv');
    const writer = new CsvFileWriter(path);
    await writer.writeRow(['id']);
    expect(writer.tempPath).toBe(`${path}.tmp-${process.pid}`);
    expect(existsSync(writer.tempPath)).toBe(true);
    expect(existsSync(path)).toBe(false);
    await writer.finish();
    expect(existsSync(writer.tempPath)).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('id\n');
  });

  it('on abort removes the temporary file and leaves an earlier file untouched', async () => {
    const path = join(dir, 'out.csv');
    writeFileSync(path, 'earlier,run\n');
    const writer = new CsvFileWriter(path);
    await writer.writeRow(['new', 'rows']);
    await writer.abort();
    expect(existsSync(writer.tempPath)).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('earlier,run\n');
  });

  it('can be aborted before anything was written', async () => {
    const writer = new CsvFileWriter(join(dir, 'never.csv'));
    await writer.abort();
    expect(existsSync(join(dir, 'never.csv'))).toBe(false);
  });

  it('waits for the stream to drain when its buffer is full, and loses nothing', async () => {
    const path = join(dir, 'big.csv');
    const writer = new CsvFileWriter(path);
    const wide = 'x'.repeat(40_000); // above the stream's 16 KiB high-water mark: every write must drain
    for (let i = 0; i < 200; i += 1) await writer.writeRow([i, wide]);
    await writer.finish();
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(201);
    expect(lines[199]).toBe(`199,${wide}`);
  });

  it('ends the run with a clear error when the file cannot be written', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const writer = new CsvFileWriter(join(dir, 'a-file', 'out.csv'));
    const attempt = writer.writeRow(['id']);
    await expect(attempt).rejects.toBeInstanceOf(RunAbortedError);
    await expect(writer.writeRow(['id'])).rejects.toThrow(/cannot write .*a-file\/out\.csv: .*(EEXIST|ENOTDIR).*change the output path/);
    await writer.abort();
  });
});

describe('formatCsvValue', () => {
  it('writes numbers as-is, null and undefined empty, dates ISO, arrays and objects as compact JSON', () => {
    expect(formatCsvValue(62.548768944137)).toBe('62.548768944137');
    expect(formatCsvValue(0)).toBe('0');
    expect(formatCsvValue(null)).toBe('');
    expect(formatCsvValue(undefined)).toBe('');
    expect(formatCsvValue(true)).toBe('true');
    expect(formatCsvValue(new Date('2009-06-07T14:42:56.305Z'))).toBe('2009-06-07T14:42:56.305Z');
    expect(formatCsvValue([3, 4, 5, 6])).toBe('[3,4,5,6]');
    expect(formatCsvValue({ value: 1, units: 'm' })).toBe('{"value":1,"units":"m"}');
  });
});
