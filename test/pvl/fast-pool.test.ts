import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parsePvl, PvlDocument, PvlSyntaxError } from '../../src/pvl/index.js';
import { closeParsePool, PARSE_POOL_SIZE, parseInPool, parsePoolThreads, parsePvlOffThread } from '../../src/pvl/parse-pool.js';
import { workerExecArgv } from '../../src/util/module-worker.js';
import { NODE_FLAGS } from '../../src/runtime-flags.js';

/**
 * The worker-thread pool. Under jest the worker runs from the TypeScript sources (the pool registers tsx
 * in the thread); the compiled form (dist/, what the product and the bench run) is checked in a child
 * process after `npm run build`, as `npm test` does before jest.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const LABEL_FILE = fileURLToPath(new URL('../fixtures/usgs/caminfo/TC1S2B0_01_07495N079E3030.caminfo.pvl', import.meta.url));
const LABEL = readFileSync(LABEL_FILE, 'utf8');
const run = promisify(execFile);

afterAll(() => closeParsePool());

describe('parseInPool', () => {
  it('parses on a worker thread to the document parsePvl gives', async () => {
    const doc = await parseInPool(LABEL, 'label.pvl');
    expect(doc).toBeInstanceOf(PvlDocument);
    expect(doc.source).toBe('label.pvl');
    expect(doc.statements).toStrictEqual(parsePvl(LABEL).statements);
    expect(doc.get('Caminfo.Geometry.IncidenceAngle')).toBe(62.548768944137);
  });

  it('rejects with the PvlSyntaxError parsePvl throws', async () => {
    const text = 'Object = A\n  X = = 5\nEnd_Object\n';
    const inline = (() => {
      try {
        parsePvl(text, { source: 'bad.pvl' });
      } catch (err) {
        return err as PvlSyntaxError;
      }
    })();
    const pooled = await parseInPool(text, 'bad.pvl').catch((err: unknown) => err);
    expect(pooled).toBeInstanceOf(PvlSyntaxError);
    expect(pooled).toMatchObject({ code: 'ERR_PVL_SYNTAX', message: inline?.message, line: 2, column: inline?.column, source: 'bad.pvl' });
  });

  it('keeps numbers JSON cannot carry (-0, Infinity) exact', async () => {
    const text = 'A = -0.0\nB = 1.79769313486232e+308\nC = (1.5, -0.0)';
    expect((await parseInPool(text)).statements).toStrictEqual(parsePvl(text).statements);
    expect(Object.is((await parseInPool(text)).get('A'), -0)).toBe(true);
  });

  it('spreads concurrent parses over at most availableParallelism threads', async () => {
    const docs = await Promise.all(Array.from({ length: 40 }, (_, i) => parseInPool(`N = ${i}`, `n${i}.pvl`)));
    expect(docs.map((doc) => doc.get('N'))).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(parsePoolThreads()).toBeGreaterThanOrEqual(1);
    expect(parsePoolThreads()).toBeLessThanOrEqual(PARSE_POOL_SIZE);
  });

  it('parsePvlOffThread: parses valid PVL on this thread, as parsePvl does', async () => {
    await closeParsePool();
    const doc = await parsePvlOffThread(LABEL, 'label.pvl');
    expect(doc.statements).toStrictEqual(parsePvl(LABEL).statements);
    expect(doc.source).toBe('label.pvl');
    expect(parsePoolThreads()).toBe(0);
  });

  it('parsePvlOffThread: leaves the error of invalid PVL to a pool thread, with parsePvl\'s message', async () => {
    const text = 'Object = A\n  X = (1, 2\nEnd_Object\n';
    const inline = (() => {
      try {
        parsePvl(text, { source: 'bad.pvl' });
      } catch (err) {
        return err as PvlSyntaxError;
      }
    })();
    await expect(parsePvlOffThread(text, 'bad.pvl')).rejects.toMatchObject({ code: 'ERR_PVL_SYNTAX', message: inline?.message });
    expect(parsePoolThreads()).toBe(1);
  });

  it('ends its threads on closeParsePool and starts again on demand', async () => {
    await parseInPool('A = 1');
    await closeParsePool();
    expect(parsePoolThreads()).toBe(0);
    expect((await parseInPool('A = 2')).get('A')).toBe(2);
  });

  // The process ending on its own is the assertion: an idle pool must not hold it open.
  it('lets a process exit while its threads are idle (from the sources, through tsx)', async () => {
    const script = `const { parseInPool } = await import(${JSON.stringify(path.join(ROOT, 'src/pvl/parse-pool.ts'))});
      const doc = await parseInPool('A = 42', 'a.pvl'); console.log(doc.get('A'));`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, timeout: 60_000 });
    expect(stdout.trim()).toBe('42');
  }, 70_000);

  const compiled = path.join(ROOT, 'dist/src/pvl/parse-pool.js');
  (existsSync(compiled) ? it : it.skip)('runs compiled from dist/ (needs `npm run build`; skipped without dist/)', async () => {
    const script = `const { parseInPool } = await import(${JSON.stringify(compiled)});
      const { readFileSync } = await import('node:fs');
      const doc = await parseInPool(readFileSync(${JSON.stringify(LABEL_FILE)}, 'utf8'), 'c.pvl');
      console.log(doc.get('Caminfo.Geometry.IncidenceAngle'));
      console.log(await parseInPool('A = = 1', 'bad.pvl').catch((err) => err.code));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 60_000 });
    expect(stdout.trim().split('\n')).toEqual(['62.548768944137', 'ERR_PVL_SYNTAX']);
  }, 70_000);

  // The bins' shebang flags (V8's --max-semi-space-size) made Worker throw "invalid execArgv flags".
  (existsSync(compiled) ? it : it.skip)('starts its threads under the bins\' flags (compiled, with NODE_FLAGS)', async () => {
    const script = `const { parseInPool } = await import(${JSON.stringify(compiled)});
      console.log(await parseInPool('A = = 1', 'bad.pvl').catch((err) => err.code));
      console.log(await parseInPool('OBJECT = A\\n'.repeat(1000), 'deep.pvl').catch((err) => err.code));`;
    const { stdout } = await run(process.execPath, [...NODE_FLAGS, '--input-type=module', '-e', script], { cwd: ROOT, timeout: 60_000 });
    expect(stdout.trim().split('\n')).toEqual(['ERR_PVL_SYNTAX', 'ERR_PVL_DEPTH']);
  }, 70_000);
});

describe('workerExecArgv', () => {
  it('passes on what decides module loading and warnings, and drops V8 flags, per-process options and --input-type', () => {
    expect(workerExecArgv([...NODE_FLAGS, '--max-old-space-size=512', '--input-type=module', '--title=x', '--stack-size=2000'])).toEqual([]);
    expect(workerExecArgv(['--import', 'tsx', '--require=./r.cjs', '-r', './s.cjs', '--conditions=dev', '--experimental-vm-modules', '--no-warnings', '--enable-source-maps'])).toEqual([
      '--import', 'tsx', '--require=./r.cjs', '-r', './s.cjs', '--conditions=dev', '--experimental-vm-modules', '--no-warnings', '--enable-source-maps',
    ]);
  });
});
