import { spawn } from 'node:child_process';
import { ROOT } from '../cli/run-bin.js';

describe('stacflow sandbox command', () => {
  it('prints the URL and the export line, serves, and stops on SIGTERM', async () => {
    const args = ['bin/stacflow.js', 'sandbox', '--items-per-collection', '5', '--seed', '3'];
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output.stdout += chunk.toString();
        const match = /^export STAC_API_URL=(\S+)$/m.exec(output.stdout);
        if (match) resolve(match[1]);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output.stderr += chunk.toString();
      });
      child.on('exit', () => reject(new Error(`exited early: ${output.stdout}${output.stderr}`)));
    });
    try {
      const api = await url;
      expect(output.stdout).toMatch(/^sandbox STAC API on http:\/\/127\.0\.0\.1:\d+\/ \(15 items in 3 collections, seed 3\)$/m);
      const page = (await (await fetch(`${api}search`)).json()) as { numberMatched: number };
      expect(page.numberMatched).toBe(15);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output.stderr).toContain('sandbox stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
