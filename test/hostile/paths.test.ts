import { spawn, execFileSync } from 'node:child_process';
import { lstat, mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { boundProblems, failureOf, goodItemProblems, recordOutcome } from './checks.js';
import { RUN_DEADLINE_MS } from './pipeline.js';
import { RSS_LIMIT_BYTES, runBounded } from './run-bounded.js';
import { removeWorkspaces, runCase } from './run-case.js';
import { COLLECTION, imageFileOf } from './scenario.js';
import { startHostileServer } from './server.js';
import { Workspace } from './workspace.js';

// Writes stay in their place (symlinks planted under the download root, an output that is a FIFO or `-`), and
// a pipeline file that is a YAML bomb is a located validation error. Each case one real bounded run.

const server = await startHostileServer();
const extraWorkspaces: Workspace[] = [];
afterAll(async () => {
  await server.close();
  await removeWorkspaces();
  if (!process.env.HOSTILE_KEEP) await Promise.all(extraWorkspaces.map((ws) => ws.remove()));
});

const S3_ITEMS = (ids: string[]) => ids.map((id) => ({ id, transport: 's3' as const }));
const CODE_PATH = /^ERR_DOWNLOAD_PATH$/;

test.concurrent(
  `symlinks planted at a sidecar's .tmp and at a .part are never followed: their target is untouched (bound ${RUN_DEADLINE_MS / 1000} s)`,
  async () => {
    const name = 'paths-symlink-file';
    const { run, ws, scenario, planted } = await runCase(server, name, { items: S3_ITEMS(['tmp-link', 'part-link', 'good']) }, {
      prepare: async (ws) => {
        const links: string[] = [];
        for (const [id, file] of [['tmp-link', `.${imageFileOf('tmp-link')}.stacflow.json.tmp`], ['part-link', `${imageFileOf('part-link')}.part`]]) {
          const dir = path.dirname(ws.imagePath(COLLECTION, id, imageFileOf(id)));
          await mkdir(dir, { recursive: true });
          await symlink(path.join(ws.sentinel, 'keep.txt'), path.join(dir, file));
          links.push(path.join(dir, file));
        }
        return links;
      },
    });
    await recordOutcome(name, run);
    expect(boundProblems(run, RUN_DEADLINE_MS)).toEqual([]);
    expect(await ws.outsideProblems(planted)).toEqual([]);
    expect(run.report?.error).toBeUndefined();
    // Each linked item is either downloaded in place (byte-identical, a regular file) or refused as a path.
    for (const id of ['tmp-link', 'part-link']) {
      const failure = failureOf(run, id);
      if (failure) expect({ id, code: failure.code }).toEqual({ id, code: expect.stringMatching(CODE_PATH) });
      else expect(await goodItemProblems(ws, scenario, run, [id])).toEqual([]);
    }
    expect(await goodItemProblems(ws, scenario, run, ['good'])).toEqual([]);
  },
  100_000,
);

test.concurrent(
  `a folder symlink under the download root is never followed outside it: ERR_DOWNLOAD_PATH, target untouched (bound ${RUN_DEADLINE_MS / 1000} s)`,
  async () => {
    const name = 'paths-symlink-folder';
    const { run, ws, scenario, planted } = await runCase(server, name, { items: S3_ITEMS(['good-1', 'linked', 'good-2']) }, {
      prepare: async (ws) => {
        const folder = path.dirname(ws.imagePath(COLLECTION, 'linked', imageFileOf('linked')));
        await mkdir(path.dirname(folder), { recursive: true });
        await symlink(path.join(ws.sentinel, 'dir'), folder);
        return [folder];
      },
    });
    await recordOutcome(name, run);
    expect(boundProblems(run, RUN_DEADLINE_MS)).toEqual([]);
    expect(await ws.outsideProblems(planted)).toEqual([]);
    const linked = failureOf(run, 'linked');
    expect({ exit: run.exitCode, error: run.report?.error, stage: linked?.stage, code: linked?.code }).toEqual({
      exit: 3,
      error: undefined,
      stage: 'download',
      code: expect.stringMatching(CODE_PATH),
    });
    expect(await goodItemProblems(ws, scenario, run, ['good-1', 'good-2'])).toEqual([]);
  },
  100_000,
);

test.concurrent(
  `an output path that is a FIFO is written in place: its reader gets the CSV, the FIFO stays (bound ${RUN_DEADLINE_MS / 1000} s)`,
  async () => {
    const name = 'paths-fifo';
    let reader: Promise<string> | undefined;
    let stopReader = (): void => {};
    const { run, ws, planted } = await runCase(server, name, { items: S3_ITEMS(['good-1', 'good-2']) }, {
      prepare: async (ws) => {
        await mkdir(path.dirname(ws.csvPath), { recursive: true });
        execFileSync('mkfifo', [ws.csvPath]);
        const child = spawn('cat', [ws.csvPath], { stdio: ['ignore', 'pipe', 'ignore'] });
        stopReader = () => child.kill('SIGKILL');
        reader = new Promise((resolve) => {
          let text = '';
          child.stdout.on('data', (d: Buffer) => (text += d.toString()));
          child.on('close', () => resolve(text));
        });
        return [];
      },
    });
    // The reader ends when the writer closes the FIFO; if the run never opened it, the reader waits for ever.
    const timer = setTimeout(() => stopReader(), 3000);
    const got = (await reader) ?? '';
    clearTimeout(timer);
    await recordOutcome(name, run, { reader_bytes: got.length });
    expect(boundProblems(run, RUN_DEADLINE_MS)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect((await lstat(ws.csvPath)).isFIFO()).toBe(true);
    const rows = parse(got, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.id)).toEqual(['good-1', 'good-2']);
    expect(await ws.outsideProblems(planted)).toEqual([]);
  },
  100_000,
);

test.concurrent(
  `csv path "-" writes the catalog to standard output (bound ${RUN_DEADLINE_MS / 1000} s)`,
  async () => {
    const name = 'paths-stdout';
    const { run, ws, planted } = await runCase(server, name, { items: S3_ITEMS(['good-1', 'good-2']) }, { csvPath: '-' });
    await recordOutcome(name, run);
    expect(boundProblems(run, RUN_DEADLINE_MS)).toEqual([]);
    expect(run.exitCode).toBe(0);
    const rows = parse(run.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.id)).toEqual(['good-1', 'good-2']);
    expect(await ws.outsideProblems(planted)).toEqual([]);
  },
  100_000,
);

/** A billion laughs: 9 levels of 9 aliases, 387 million strings once expanded. */
function aliasBomb(indent: string): string {
  const lines = [`${indent}l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (let i = 1; i <= 8; i++) lines.push(`${indent}l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]`);
  return lines.join('\n');
}

const PIPELINE_HEAD = ['source:', '  stac_search: { api: "http://127.0.0.1:9/", collections: [hostile] }'];
const PIPELINE_TAIL = ['outputs:', '  - csv: { path: out/x.csv }', ''];

/** Case, the pipeline file's text. */
const BOMBS: Array<[string, string]> = [
  ['an alias bomb in a stage option', ['name: bomb', ...PIPELINE_HEAD, 'steps:', '  - select:', aliasBomb('      '), ...PIPELINE_TAIL].join('\n')],
  ['an alias bomb in name:', ['name:', aliasBomb('  '), ...PIPELINE_HEAD, ...PIPELINE_TAIL].join('\n')],
  ['a recursive alias in a stage option', ['name: loop', ...PIPELINE_HEAD, 'steps:', '  - select:', '      a: &r { k: *r }', ...PIPELINE_TAIL].join('\n')],
];

test.concurrent.each(BOMBS)(
  '%s: exit 2, a located error (file:line:col), no stack trace (bound 20 s, 300 MB)',
  async (what, yaml) => {
    const ws = await Workspace.create();
    extraWorkspaces.push(ws);
    await ws.writePipeline(yaml);
    const run = await runBounded({ pipelineFile: ws.pipelineFile, cwd: ws.root, reportPath: ws.reportPath, wallClockMs: 30_000 });
    await recordOutcome(`config-${what}`, run, { stderr_head: run.stderr.slice(0, 400) });
    expect({ killed: run.killed, fast: run.durationMs < 20_000, small: run.peakRssBytes < RSS_LIMIT_BYTES }).toEqual({ killed: undefined, fast: true, small: true });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/pipeline\.yaml:\d+:\d+/);
    expect(run.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(await ws.outsideProblems()).toEqual([]);
  },
  40_000,
);
