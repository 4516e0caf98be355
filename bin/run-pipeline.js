#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs through `prepare`); from a
// checkout without dist/, runs the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/run-pipeline.js', import.meta.url);
let entry = compiled;
if (!existsSync(compiled)) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../src/cli/run-pipeline.ts', import.meta.url);
}
const { main } = await import(entry.href);
await main();
