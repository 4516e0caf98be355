import { execFileSync, spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, dockerfileInstructions, entrypointCommand, execForm, readText } from './deploy-files.js';
import { dockerignore } from './dockerignore.js';

/**
 * The Dockerfile, read (always): its base image, what it copies, what the context leaves out, the user and the
 * entrypoint; the entrypoint script run with stand-in bins; the product's imports, which the image's
 * `npm ci --omit=dev` must satisfy. Built and run (`docker build`, then `run-pipeline --help` in the image) only
 * where a Docker daemon answers.
 */

const instructions = dockerfileInstructions();
const ignored = dockerignore(readText('.dockerignore'));
const pkg = JSON.parse(readText('package.json')) as { dependencies: Record<string, string>; bin: Record<string, string> };

describe('the Dockerfile, read', () => {
  test('every stage starts from node 20 slim (the default of ARG NODE_IMAGE)', () => {
    const arg = instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    expect(arg?.args).toMatch(/^NODE_IMAGE=node:20-[a-z]+-slim$/);
    const froms = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args.split(/\s+/)[0]);
    expect(froms).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}', '${NODE_IMAGE}']);
  });

  test('every path it copies from the context exists, and .dockerignore does not leave it out', () => {
    const sources = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).filter((word) => !word.startsWith('--')).slice(0, -1));
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'deploy/docker/entrypoint.sh', '.']));
    for (const source of sources) {
      expect(existsSync(path.join(ROOT, source))).toBe(true);
      if (source !== '.') expect([source, ignored(source)]).toEqual([source, false]);
    }
  });

  test('.dockerignore leaves out node_modules (at any depth), dist and the outputs of runs, and keeps what the build compiles', () => {
    for (const left of ['node_modules', 'node_modules/yaml/package.json', 'sandbox/node_modules/s3rver', 'dist', 'dist/src/version.js', '.git', 'out', 'data', '.stacflow', 'test', 'deploy/kubernetes/indexed-job.yaml']) {
      expect([left, ignored(left)]).toEqual([left, true]);
    }
    for (const kept of ['package.json', 'src/pvl/pvl.ohm', 'operators/index.ts', 'sandbox/index.ts', 'sandbox/package.json', 'bench/run.ts', 'bin/launch.js', 'config/rclone.conf', 'pipelines/kaguya-tc.yaml', 'README.md', 'tsconfig.build.json', 'deploy/docker/entrypoint.sh']) {
      expect([kept, ignored(kept)]).toEqual([kept, false]);
    }
  });

  test('the runtime installs production dependencies only (npm ci --omit=dev), without the sandbox workspace', () => {
    const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((run) => /npm ci --omit=dev --workspaces=false/.test(run))).toBe(true);
  });

  test('runs as the unprivileged node user in /work, entrypoint run-pipeline (through the entrypoint script)', () => {
    const last = instructions.slice(instructions.map((i) => i.keyword).lastIndexOf('FROM'));
    expect(last.find((i) => i.keyword === 'USER')?.args).toBe('node');
    expect(last.find((i) => i.keyword === 'WORKDIR')?.args).toBe('/work');
    const entrypoint = execForm(last.find((i) => i.keyword === 'ENTRYPOINT'));
    expect(entrypoint).toEqual(['stacflow-entrypoint']);
    expect(last.find((i) => i.keyword === 'COPY' && i.args.endsWith(' /usr/local/bin/stacflow-entrypoint'))?.args).toBe('deploy/docker/entrypoint.sh /usr/local/bin/stacflow-entrypoint');
    // The bins on PATH are the package's own.
    const links = last.filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' ');
    for (const [bin, file] of Object.entries(pkg.bin)) expect(links).toContain(`ln -s /app/${file} /usr/local/bin/${bin}`);
  });
});

describe('deploy/docker/entrypoint.sh', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'stacflow-entrypoint-'));
    // Stand-ins for the two bins: they print who they are and their arguments, one a line.
    for (const bin of ['run-pipeline', 'stacflow']) {
      writeFileSync(path.join(dir, bin), `#!/bin/sh\necho ${bin}\nfor a in "$@"; do echo "$a"; done\n`);
      chmodSync(path.join(dir, bin), 0o755);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]): string[] =>
    execFileSync('sh', [path.join(ROOT, 'deploy/docker/entrypoint.sh'), ...args], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' }).trimEnd().split('\n');

  test.each([
    [['/pipelines/kaguya-tc.yaml', '--shards', '64']],
    [['--help']],
    [['stacflow', 'merge', '/pipelines/kaguya-tc.yaml', '--shards', '64']],
    [['run-pipeline', 'a file with spaces.yaml', '--shard', '0/4']],
  ])('%j runs what the tests of the manifests assume', (args) => {
    expect(run(args)).toEqual(entrypointCommand(args));
  });

  test('hands the process over (exec): node is the container process and gets its signals', () => {
    expect(readText('deploy/docker/entrypoint.sh')).toMatch(/exec "\$command" "\$@"[\s\S]*exec run-pipeline "\$@"/);
  });
});

/** Bare module names a file imports statically, or loads when called (`import()`, `require`, `resolve`). */
function packagesUsed(text: string): { static: string[]; dynamic: string[] } {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const names = (patterns: RegExp[]) => {
    const found = new Set<string>();
    for (const pattern of patterns) for (const m of code.matchAll(pattern)) found.add(m[1]);
    const bare = [...found].filter((name) => !name.startsWith('.') && !name.startsWith('node:') && !builtinModules.includes(name));
    return [...new Set(bare.map((name) => (name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0])))];
  };
  return {
    // `import type` is erased by the compiler: no module is loaded.
    static: names([/(?:^|\n)\s*(?:import|export)(?!\s+type\s)[^'"\n;]*?from\s*['"]([^'"]+)['"]/g, /(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g]),
    dynamic: names([/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, /\b(?:require|resolve)\(\s*['"]([^'"]+)['"]\s*\)/g]),
  };
}

function codeFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return codeFiles(rel);
    return /\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/**
 * Packages the image lacks that the product may still load when called, where the image never calls: tsx runs
 * the TypeScript sources (bin/launch.js when dist/ is absent, worker threads started from .ts modules under
 * jest); s3rver is the sandbox's (`stacflow sandbox` and `demo` then say it is not installed, exit 2).
 */
const LOADED_ONLY_OUTSIDE_THE_IMAGE = new Set(['tsx', 's3rver']);

test("everything the image runs imports only package.json's dependencies (the image has no dev dependency)", () => {
  const files = ['bin', 'src', 'operators'].flatMap(codeFiles);
  expect(files.length).toBeGreaterThan(100);
  const staticOutside: string[] = [];
  const dynamicOutside = new Set<string>();
  for (const file of files) {
    const used = packagesUsed(readFileSync(path.join(ROOT, file), 'utf8'));
    for (const name of used.static) if (!(name in pkg.dependencies)) staticOutside.push(`${file}: ${name}`);
    for (const name of used.dynamic) if (!(name in pkg.dependencies)) dynamicOutside.add(name);
  }
  expect(staticOutside).toEqual([]);
  // The scan sees what it should: static imports but type-only ones, and loads when called.
  expect(packagesUsed("import { Ajv } from 'ajv';\nimport type { Config } from 'jest';\nimport '@scope/side/effect';\nawait import('tsx/esm/api');")).toEqual({ static: ['ajv', '@scope/side'], dynamic: ['tsx'] });
  expect(packagesUsed(readText('bin/launch.js')).dynamic).toEqual(['tsx']);
  expect([...dynamicOutside].filter((name) => !LOADED_ONLY_OUTSIDE_THE_IMAGE.has(name))).toEqual([]);
});

/** `docker info` answers: a daemon to build with. */
function dockerDaemon(): { ok: true } | { ok: false; reason: string } {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 20_000 });
  if (info.error) return { ok: false, reason: `no docker command (${info.error.message})` };
  if (info.status !== 0) return { ok: false, reason: `docker info failed: ${(info.stderr || info.stdout).trim().split('\n').at(-1)}` };
  return { ok: true };
}

const daemon = dockerDaemon();
if (!daemon.ok) console.log(`test/deploy/dockerfile.test.ts: the image is not built here, ${daemon.reason}`);

(daemon.ok ? describe : describe.skip)('the image, built (a Docker daemon answers)', () => {
  const tag = `stacflow-test:${process.pid}`;
  afterAll(() => spawnSync('docker', ['image', 'rm', '-f', tag], { timeout: 60_000 }));

  test('builds, and run-pipeline --help and stacflow merge --help run in it as the node user', () => {
    const build = spawnSync('docker', ['build', '-t', tag, ROOT], { encoding: 'utf8', timeout: 20 * 60_000 });
    expect([build.status, build.status === 0 ? '' : build.stderr.slice(-4000)]).toEqual([0, '']);
    const help = spawnSync('docker', ['run', '--rm', tag, '--help'], { encoding: 'utf8', timeout: 120_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--shards');
    const merge = spawnSync('docker', ['run', '--rm', tag, 'stacflow', 'merge', '--help'], { encoding: 'utf8', timeout: 120_000 });
    expect(merge.status).toBe(0);
    expect(merge.stdout).toContain('--partial');
    const user = spawnSync('docker', ['run', '--rm', '--entrypoint', 'id', tag, '-u'], { encoding: 'utf8', timeout: 120_000 });
    expect(user.stdout.trim()).toBe('1000');
    const pipeline = spawnSync('docker', ['run', '--rm', tag, 'stacflow', 'validate', '/pipelines/kaguya-tc.yaml'], { encoding: 'utf8', timeout: 120_000 });
    expect([pipeline.status, pipeline.stdout]).toEqual([0, expect.stringContaining('ok')]);
  }, 25 * 60_000);
});
