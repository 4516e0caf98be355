import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { NODE_FLAGS } from '../../src/runtime-flags.js';
import { VERSION } from '../../src/version.js';

// The bins start node with stacflow's V8 flags through their shebang; the demo and the benchmarks pass the
// same list when they start the CLI with `node` themselves.
describe.each(['run-pipeline', 'stacflow'])('bin/%s.js', (name) => {
  const file = path.join(PACKAGE_ROOT, 'bin', `${name}.js`);

  it('has a shebang that runs node with NODE_FLAGS', () => {
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
  });

  it('runs as an executable through that shebang', async () => {
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(file, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stdout }));
    });
    expect(result).toEqual({ code: 0, stdout: `${VERSION}\n` });
  });
});
