import { spawn } from 'node:child_process';
import { ROOT } from '../cli/run-bin.js';
import { rawGet } from './raw-get.js';

// Runs the command from the TypeScript source (through tsx), so it tests this tree even when dist/ is older.
const LAUNCH = "const { register } = await import('tsx/esm/api'); register(); const { main } = await import('./src/cli/stacflow.ts'); await main(process.argv.slice(1));";

interface Started {
  api: string;
  s3: string;
  output: { stdout: string; stderr: string };
  stop(): Promise<number | null>;
}

function startCommand(flags: string[]): Promise<Started> {
  const args = ['--input-type=module', '-e', LAUNCH, '--', 'sandbox', '--items-per-collection', '4', '--seed', '5', '--image-bytes', '1000', ...flags];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise<Started>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output.stdout += chunk.toString();
      const api = /^export STAC_API_URL=(\S+)$/m.exec(output.stdout);
      const s3 = /^export S3_ENDPOINT=(\S+)$/m.exec(output.stdout);
      if (api && s3) {
        resolve({
          api: api[1], s3: s3[1], output, stop: async () => {
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
            const code = await exited;
            clearTimeout(timer);
            return code;
          },
        });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output.stderr += chunk.toString();
    });
    child.on('exit', (code) => reject(Object.assign(new Error(`exited early (${code}): ${output.stdout}${output.stderr}`), { code, output })));
  });
}

describe('stacflow sandbox --fault-rate --fault-kinds', () => {
  it('injects the kinds asked on the API and on S3, says so, and sums up the faults met when stopped', async () => {
    const sandbox = await startCommand(['--fault-rate', '1', '--fault-kinds', '429', '--max-stall-ms', '1000']);
    try {
      expect(sandbox.output.stdout).toContain('faults: 1 of requests (429), per request and attempt from seed 5\n');
      const api = await rawGet(`${sandbox.api}search?limit=1`);
      expect([api.status, api.headers!['retry-after']]).toEqual([429, '1']);
      const s3 = await rawGet(`${sandbox.s3}/astrogeo-ard/moon/anything`);
      expect(s3.status).toBe(503);
      expect(s3.body.toString()).toContain('<Code>SlowDown</Code>');
    } finally {
      expect(await sandbox.stop()).toBe(0);
    }
    expect(sandbox.output.stderr).toContain('sandbox stopped; faults met: API 429×1, S3 429×1\n');
  });

  it('keeps --failure-rate as 503-only faults', async () => {
    const sandbox = await startCommand(['--failure-rate', '1']);
    try {
      expect((await rawGet(`${sandbox.api}conformance`)).status).toBe(503);
      expect((await rawGet(`${sandbox.s3}/astrogeo-ard/moon/anything`)).body.toString()).toContain('<Code>ServiceUnavailable</Code>');
    } finally {
      expect(await sandbox.stop()).toBe(0);
    }
  });

  it('refuses an unknown kind, and --failure-rate with --fault-rate', async () => {
    await expect(startCommand(['--fault-rate', '0.1', '--fault-kinds', '503,slow'])).rejects.toMatchObject({ message: expect.stringContaining('unknown kind "slow"') });
    await expect(startCommand(['--fault-rate', '0.1', '--failure-rate', '0.1'])).rejects.toMatchObject({ message: expect.stringContaining('not both') });
  });
});
