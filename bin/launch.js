// Starts a CLI entry point: the compiled one in dist/ (built by `npm run build`, which `npm ci` runs through
// `prepare`), or, in a checkout that was never built, the TypeScript source through tsx.
import { existsSync } from 'node:fs';

export async function launch(name) {
  let entry = new URL(`../dist/src/cli/${name}.js`, import.meta.url);
  if (!existsSync(entry)) {
    const { register } = await import('tsx/esm/api');
    register();
    entry = new URL(`../src/cli/${name}.ts`, import.meta.url);
  }
  const { main } = await import(entry.href);
  await main();
}
