import { spawn } from 'node:child_process';
import { ROOT } from '../cli/run-bin.js';

// Runs the command from the TypeScript source (through tsx), so it tests this tree even when dist/ is older.
const LAUNCH = "const { register } = await import('tsx/esm/api'); register(); const { main } = await import('./src/cli/stacflow.ts'); await main(process.argv.slice(1));";

describe('stacflow sandbox command with S3', () => {
  it('prints export S3_ENDPOINT=... and serves the items\' labels there', async () => {
    const args = ['--input-type=module', '-e', LAUNCH, '--', 'sandbox', '--items-per-collection', '4', '--seed', '5', '--image-bytes', '1000'];
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const ready = new Promise<{ api: string; s3: string }>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output.stdout += chunk.toString();
        const api = /^export STAC_API_URL=(\S+)$/m.exec(output.stdout);
        const s3 = /^export S3_ENDPOINT=(\S+)$/m.exec(output.stdout);
        if (api && s3) resolve({ api: api[1], s3: s3[1] });
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output.stderr += chunk.toString();
      });
      child.on('exit', () => reject(new Error(`exited early: ${output.stdout}${output.stderr}`)));
    });
    try {
      const { api, s3 } = await ready;
      expect(s3).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(output.stdout).toMatch(/^sandbox S3 on http:\/\/127\.0\.0\.1:\d+ \(bucket astrogeo-ard: caminfo_pvl and image objects, 1000 bytes an image\)$/m);
      const page = (await (await fetch(`${api}search?limit=1`)).json()) as { features: Array<{ assets: Record<string, { href: string }> }> };
      const key = (asset: string) => page.features[0].assets[asset].href.split('.amazonaws.com/')[1];
      const label = await fetch(`${s3}/astrogeo-ard/${key('caminfo_pvl')}`);
      expect(label.status).toBe(200);
      expect(await label.text()).toMatch(/^Object = Caminfo\n/);
      expect((await (await fetch(`${s3}/astrogeo-ard/${key('image')}`)).arrayBuffer()).byteLength).toBe(1000);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
