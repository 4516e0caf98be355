#!/usr/bin/env node
// The npm registry this project is built against serves only some platforms' binary packages (for
// @swc/core and jest's unrs-resolver: linux ones), so `npm install` leaves the others out of
// package-lock.json, and `npm ci` then refuses the lock ("Missing: @swc/core-darwin-arm64@ from lock
// file"). This records every declared optional dependency in the lock, as npm would with a full registry;
// `npm ci` skips those that do not fit the machine. Run after changing dependencies: `npm run fix-lock`.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const added = [];
for (const meta of Object.values(lock.packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (!(key in lock.packages)) {
      lock.packages[key] = { version, optional: true };
      added.push(`${name}@${version}`);
    }
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `recorded ${added.length} optional packages: ${added.join(', ')}` : 'package-lock.json already lists every optional package');
