import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CsvFileWriter } from '../../src/catalog/csv-writer.js';
import { writeRunReport, type RunReport } from '../../src/engine/report.js';
import { TempOutputFile } from '../../src/util/temp-output-file.js';

const CHILD = fileURLToPath(new URL('./output-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stacflow-output-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** `cat FILE`: a reader of a FIFO, as a user's `cat`, `gzip` or database loader would be. */
function reader(file: string): { child: ChildProcess; text: Promise<string> } {
  const child = spawn('cat', [file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  return { child, text: once(child, 'exit').then(() => text) };
}

async function writeCsv(path: string): Promise<void> {
  const writer = new CsvFileWriter(path);
  await writer.writeRow(['id', 'value']);
  await writer.writeRow(['a', '1']);
  await writer.finish();
}

/** The output child (test/util/output-child.ts) as a real process. */
function runChild(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A pid that was alive a moment ago and is not now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

describe('outputs that are not regular files are written in place', () => {
  it('a FIFO: the reader gets the CSV, and the FIFO is still a FIFO', async () => {
    const fifo = join(dir, 'rows.csv');
    execFileSync('mkfifo', [fifo]);
    const { text } = reader(fifo);
    await writeCsv(fifo);
    expect(await text).toBe('id,value\na,1\n');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['rows.csv']); // no temporary file beside it
  }, 15_000);

  it('a link to a FIFO (as /dev/stdout is a link to a pipe): written through, the link and the FIFO stay', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const link = join(dir, 'stdout');
    symlinkSync(fifo, link);
    const { text } = reader(fifo);
    await writeCsv(link);
    expect(await text).toBe('id,value\na,1\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(fifo);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  }, 15_000);

  it('a character device (/dev/null, and a link to it) is written, never replaced', async () => {
    await writeCsv('/dev/null');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    const link = join(dir, 'null.csv');
    symlinkSync('/dev/null', link);
    await writeCsv(link);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readdirSync(dir)).toEqual(['null.csv']);
  });

  it('a FIFO nobody reads yet does not hold up abort (a cancelled run still ends)', async () => {
    const fifo = join(dir, 'unread.csv');
    execFileSync('mkfifo', [fifo]);
    const writer = new CsvFileWriter(fifo);
    const pending = writer.writeRow(['id']).catch((err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await writer.abort();
    expect(Date.now() - started).toBeLessThan(1000);
    // A reader arriving later unblocks the open, which is then closed at once: the reader sees an empty stream.
    const { text } = reader(fifo);
    expect(await text).toBe('');
    await pending;
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  }, 15_000);

  it('aborting an output written in place removes nothing', async () => {
    const link = join(dir, 'null.csv');
    symlinkSync('/dev/null', link);
    const writer = new CsvFileWriter(link);
    await writer.writeRow(['id']);
    await writer.abort();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('`-` is standard output; the logs stay on stderr', async () => {
    const child = runChild(['-']);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(stdout).toBe('id,value\na,1\nb,2\n');
    expect(stderr).toBe('written\n');
    expect(existsSync(join(ROOT, '-'))).toBe(false);
  }, 30_000);

  it('aborting `-` leaves standard output open for the rest of the process', async () => {
    const child = runChild(['-', 'abort']);
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(stdout).toBe('id,value\nstill open\n');
  }, 30_000);
});

describe('regular outputs are written aside and renamed, never through a link', () => {
  it('a link planted at the temporary name is removed, its target untouched', async () => {
    const path = join(dir, 'out.csv');
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, `${path}.tmp-${process.pid}`);
    await writeCsv(path);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readFileSync(path, 'utf8')).toBe('id,value\na,1\n');
    expect(lstatSync(path).isFile()).toBe(true);
    expect(existsSync(`${path}.tmp-${process.pid}`)).toBe(false);
  });

  it('a link to a regular file stays a link; its target gets the new content, written aside and renamed', async () => {
    const real = join(dir, 'real');
    const target = join(real, 'catalog.csv');
    execFileSync('mkdir', [real]);
    writeFileSync(target, 'old\n');
    const link = join(dir, 'catalog.csv');
    symlinkSync(target, link);
    const writer = new CsvFileWriter(link);
    await writer.writeRow(['id', 'value']);
    expect(writer.tempPath).toBe(`${target}.tmp-${process.pid}`);
    await writer.finish();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('id,value\n');
  });
});

describe('temporary outputs of killed runs', () => {
  it('a run killed with SIGKILL leaves <path>.tmp-<pid>; the next run writing that output removes it', async () => {
    const path = join(dir, 'killed.csv');
    const child = runChild([path, 'hold']);
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d) => String(d).includes('holding') && resolve());
      child.on('exit', () => reject(new Error('the child ended before holding')));
    });
    const leftover = `${path}.tmp-${child.pid}`;
    expect(existsSync(leftover)).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(existsSync(leftover)).toBe(true);
    await writeCsv(path);
    expect(existsSync(leftover)).toBe(false);
    expect(readdirSync(dir)).toEqual(['killed.csv']);
  }, 30_000);

  it("keeps the temporary file of a run that is still alive, and removes only its own output's", async () => {
    const path = join(dir, 'shared.csv');
    const live = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const dead = await deadPid();
      writeFileSync(`${path}.tmp-${live.pid}`, 'in progress\n');
      writeFileSync(`${path}.tmp-${dead}`, 'stale\n');
      writeFileSync(join(dir, `other.csv.tmp-${dead}`), 'not ours\n');
      writeFileSync(`${path}.tmp-${dead}x`, 'not a pid\n');
      await writeCsv(path);
      expect(readdirSync(dir).sort()).toEqual([`other.csv.tmp-${dead}`, 'shared.csv', `shared.csv.tmp-${dead}x`, `shared.csv.tmp-${live.pid}`].sort());
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('the run report: stale temporary reports removed, written aside and renamed', async () => {
    const path = join(dir, 'run.report.json');
    const dead = await deadPid();
    writeFileSync(`${path}.tmp-${dead}`, '{"half":');
    await writeRunReport(path, { status: 'done' } as unknown as RunReport);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ status: 'done' });
    expect(readdirSync(dir)).toEqual(['run.report.json']);
  });

  it('the run report to a FIFO is written in place', async () => {
    const fifo = join(dir, 'report');
    execFileSync('mkfifo', [fifo]);
    const { text } = reader(fifo);
    await writeRunReport(fifo, { status: 'done' } as unknown as RunReport);
    expect(JSON.parse(await text)).toEqual({ status: 'done' });
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  }, 15_000);
});

describe('errors', () => {
  it('a folder where the output should be is an ERR_OUTPUT_WRITE naming the path', async () => {
    const path = join(dir, 'a-folder');
    execFileSync('mkdir', [path]);
    const out = new TempOutputFile<string>(path);
    await out.write('x');
    await expect(out.finish()).rejects.toMatchObject({ code: 'ERR_OUTPUT_WRITE', message: expect.stringContaining(path) });
    await out.abort();
    expect(readdirSync(dir)).toEqual(['a-folder']);
  });
});
