import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, runBin, type BinOptions, type BinResult } from './run-bin.js';

// The compiled CLI's start-up (`npm run build` first, as for every bin test): what `stacflow --help` and
// `stacflow validate` load, and what `demo` and `sandbox` say in an install without the sandbox.

const PRELOAD = pathToFileURL(path.join(ROOT, 'test/cli/module-log.mjs')).href;
const RUN_LIMIT_MS = 15_000;

type Started = BinResult;

/** Runs `node bin/stacflow.js ARGS` in `root`, killed after RUN_LIMIT_MS. */
const stacflow = (args: string[], options: Omit<BinOptions, 'timeoutMs'> = {}): Promise<Started> =>
  runBin('stacflow', args, { ...options, timeoutMs: RUN_LIMIT_MS });

/** The modules `stacflow ARGS` loads, as paths relative to the repository (`node_modules/yargs/...`, `dist/src/...`). */
async function modulesLoadedBy(args: string[]): Promise<Started & { modules: string[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stacflow-startup-'));
  try {
    const log = path.join(dir, 'modules.txt');
    const started = await stacflow(args, { nodeArgs: ['--import', PRELOAD], env: { STACFLOW_MODULE_LOG: log } });
    const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    const modules = [...new Set(lines.map((line) => repoPath(line)))].sort();
    return { ...started, modules };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function repoPath(url: string): string {
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const inModules = file.lastIndexOf('/node_modules/');
  return inModules >= 0 ? file.slice(inModules + 1) : path.relative(ROOT, file);
}

const isSandbox = (m: string) => m.startsWith('dist/sandbox/') || m.startsWith('sandbox/') || m.startsWith('node_modules/@stacflow/sandbox/');
const fromPackage = (name: string) => (m: string) => m.startsWith(`node_modules/${name}/`);
const NEVER_AT_STARTUP = [fromPackage('@aws-sdk'), fromPackage('s3rver'), fromPackage('undici'), isSandbox];

describe('stacflow --help', () => {
  it('loads yargs and the command modules, and no AWS SDK, s3rver, undici, sandbox, operator, engine or parser', async () => {
    const { code, stdout, modules } = await modulesLoadedBy(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/stacflow sandbox/);
    expect(stdout).toMatch(/stacflow demo/);
    // The log sees the bin, the compiled CLI and yargs: an empty list would pass everything below.
    expect(modules).toEqual(expect.arrayContaining(['bin/stacflow.js', 'dist/src/cli/stacflow.js', 'dist/src/cli/commands/validate.js']));
    expect(modules.some(fromPackage('yargs'))).toBe(true);

    const heavy = [...NEVER_AT_STARTUP, (m: string) => m.startsWith('dist/operators/'), (m: string) => m.startsWith('dist/src/engine/'),
      ...['rxjs', 'ohm-js', 'got', 'zod', 'yaml', 'pino'].map(fromPackage)];
    expect(modules.filter((m) => heavy.some((is) => is(m)))).toEqual([]);
    // 60 when this test was written (yargs and its helpers are 45 of them); 816 before the commands were lazy.
    expect(modules.length).toBeLessThan(100);
  }, 2 * RUN_LIMIT_MS);
});

describe('stacflow validate', () => {
  it('loads the stage declarations and the CQL2 parser (the filter is checked at load) but none of the implementations: no HTTP client, PVL grammar, spatial library, download engine, writers, RxJS, AWS SDK or sandbox', async () => {
    const { code, stdout, modules } = await modulesLoadedBy(['validate', 'pipelines/kaguya-tc.yaml']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/kaguya-tc\.yaml: ok/);
    expect(modules).toEqual(expect.arrayContaining(['dist/src/config/load.js']));

    expect(modules).toEqual(expect.arrayContaining(['dist/operators/index.js', 'dist/operators/download.js', 'dist/src/fields/cql2/parse-text.js']));
    const unused = [...NEVER_AT_STARTUP, (m: string) => m === 'dist/src/engine/run.js' || m === 'dist/src/cli/run-file.js',
      fromPackage('pino'), fromPackage('got'), fromPackage('csv-stringify'), fromPackage('rxjs'), fromPackage('jsts'),
      fromPackage('hyparquet-writer'), (m: string) => m.startsWith('dist/src/pvl/') && m !== 'dist/src/pvl/errors.js',
      // Each stage's implementation, which its `create` imports when a run starts (operators/README.md).
      (m: string) => ['dist/src/download/engine.js', 'dist/src/labels/fetch.js', 'dist/src/pvl/parse-pool.js', 'dist/src/stac/item-search.js',
        'dist/src/catalog/csv-writer.js', 'dist/src/rclone/manifest-writer.js'].includes(m)];
    expect(modules.filter((m) => unused.some((is) => is(m)))).toEqual([]);
  }, 2 * RUN_LIMIT_MS);
});

describe('an install without the sandbox (the npm package)', () => {
  let dir: string;

  /** A copy of the package as npm installs it (bin, dist/src, dist/operators, package.json, config), node_modules linked. */
  async function installedCopy(options: { sandbox: boolean; without?: string }): Promise<string> {
    const root = path.join(dir, options.sandbox ? 'with-sandbox' : 'package');
    for (const part of ['package.json', 'bin', 'config', 'pipelines', 'src', 'dist/src', 'dist/operators', ...(options.sandbox ? ['dist/sandbox', 'sandbox'] : [])]) {
      await cp(path.join(ROOT, part), path.join(root, part), { recursive: true });
    }
    if (options.without === undefined) {
      await symlink(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
      return root;
    }
    // node_modules as links to every package but one.
    await mkdir(path.join(root, 'node_modules'));
    for (const name of await readdir(path.join(ROOT, 'node_modules'))) {
      if (name !== options.without) await symlink(path.join(ROOT, 'node_modules', name), path.join(root, 'node_modules', name));
    }
    return root;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'stacflow-no-sandbox-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs --help and validate, and `demo` and `sandbox` say what is missing and how to get it (exit 2)', async () => {
    const root = await installedCopy({ sandbox: false });
    expect((await stacflow(['--help'], { root })).code).toBe(0);
    expect(await stacflow(['validate', 'pipelines/kaguya-tc.yaml'], { root })).toMatchObject({ code: 0, stdout: expect.stringMatching(/ok/) });

    for (const command of ['demo', 'sandbox']) {
      const { code, stdout, stderr } = await stacflow([command], { root });
      expect({ command, code, stdout }).toEqual({ command, code: 2, stdout: '' });
      expect(stderr).toContain(`ERR_NO_SANDBOX: stacflow ${command} needs the development sandbox, which is not installed here`);
      expect(stderr).toContain(`cannot find ${path.join(root, 'dist/sandbox')}`);
      expect(stderr).toMatch(/not part of the npm package: get a git checkout of stacflow and run `npm ci` in it/);
      expect(stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    }
  }, 6 * RUN_LIMIT_MS);

  it('names s3rver when the sandbox is there but its dependency is not (exit 2)', async () => {
    const root = await installedCopy({ sandbox: true, without: 's3rver' });
    const { code, stderr } = await stacflow(['sandbox', '--port', '0'], { root });
    expect(code).toBe(2);
    expect(stderr).toContain('stacflow sandbox needs the development sandbox, which is not installed here (cannot find package s3rver)');
  }, 2 * RUN_LIMIT_MS);
});
