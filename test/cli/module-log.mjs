// Preload (`node --import ./test/cli/module-log.mjs ...`): writes every module the process loaded to the file
// named by STACFLOW_MODULE_LOG, one path or URL a line, when it exits. ES modules are seen by a load hook
// (it runs on the loader thread, so it appends as it goes); CommonJS modules that other CommonJS modules
// `require` never reach that hook, so require.cache is added at exit.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.STACFLOW_MODULE_LOG;
if (log) {
  register('./module-log-hooks.mjs', import.meta.url, { data: { log } });
  const require = createRequire(import.meta.url);
  process.on('exit', () => {
    const cjs = Object.keys(require.cache).map((file) => `file://${file}`);
    appendFileSync(log, cjs.map((url) => `${url}\n`).join(''));
  });
}
