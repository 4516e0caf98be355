import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the worker thread whose module is `name` (without extension) beside the module `from`
 * (`import.meta.url`). Compiled, it is `name.js` in dist/; from the sources (tsx, jest) it is `name.ts`, so the
 * thread registers tsx before loading it. The thread gets the process's module-loading flags (workerExecArgv).
 */
export function startModuleWorker(from: string, name: string, options: Omit<WorkerOptions, 'eval' | 'execArgv'> = {}): Worker {
  const fromSources = from.endsWith('.ts');
  const script = new URL(`./${name}.${fromSources ? 'ts' : 'js'}`, from);
  const execArgv = workerExecArgv(process.execArgv);
  if (!fromSources) return new Worker(script, { ...options, execArgv });
  const tsx = tsxEsmApi();
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(script.href)}); });`;
  return new Worker(boot, { ...options, eval: true, execArgv });
}

/** Node options that change how a thread loads modules and reports warnings; a value may follow as the next argument. */
const THREAD_OPTIONS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C']);
const THREAD_SWITCH = /^--(?:no-)?(?:experimental-[\w-]+|enable-source-maps|warnings|deprecation|disable-warning|trace-warnings|trace-uncaught|pending-deprecation)(?:=.*)?$/;

/**
 * The process's flags a worker thread may be given. Worker refuses V8 flags and per-process options (the
 * bins run with `--max-semi-space-size=4`: "Initiated Worker with invalid execArgv flags"), and
 * `--input-type` (`node --input-type=module -e`) would stop it loading its file; so only the options that
 * decide how modules load (`--import`, `--require`, `--loader`, `--conditions`, `--experimental-*`) and how
 * warnings show are passed on. The thread's heap keeps V8's defaults.
 */
export function workerExecArgv(argv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const name = arg.split('=', 1)[0];
    if (THREAD_OPTIONS.has(name)) {
      kept.push(arg);
      if (!arg.includes('=') && i + 1 < argv.length) kept.push(argv[++i]);
    } else if (THREAD_SWITCH.test(arg)) kept.push(arg);
  }
  return kept;
}

/** tsx's ESM API (`tsx/esm/api` under the import condition; jest's import.meta has no resolve). */
function tsxEsmApi(): string {
  if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx/esm/api');
  const pkg = pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'));
  return new URL('dist/esm/api/index.mjs', pkg).href;
}
