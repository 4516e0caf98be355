import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { packagePath } from '../../package-root.js';
import { NODE_FLAGS } from '../../runtime-flags.js';
import type { RunReport } from '../../engine/report.js';
import { loadSandbox } from '../load-sandbox.js';

/**
 * `npm run demo`: the main job, offline. Starts the sandbox (a STAC API and an S3 endpoint on 127.0.0.1 made
 * from real USGS items and labels), runs `run-pipeline pipelines/kaguya-tc.yaml` against them through
 * STAC_API_URL and S3_ENDPOINT, shows what it wrote, stops the sandbox. The sandbox is loaded only here: it
 * is a workspace of the git checkout, not part of the npm package (src/cli/load-sandbox.ts).
 */
export const demoCommand: CommandModule<object, { pipeline: string; out: string; seed: number }> = {
  command: 'demo',
  describe: 'run pipelines/kaguya-tc.yaml against the sandbox (offline; in a git checkout) and show what it wrote',
  builder: (yargs) =>
    yargs
      .option('pipeline', { type: 'string', default: 'pipelines/kaguya-tc.yaml', describe: 'pipeline to run' })
      .option('out', { type: 'string', default: 'out', describe: 'output folder (OUT_DIR)' })
      .option('seed', { type: 'number', default: 42, describe: 'sandbox catalog seed' }),
  handler: async ({ pipeline, out, seed }) => {
    const { startSandbox } = await loadSandbox('demo');
    const sandbox = await startSandbox({ seed });
    const env = { STAC_API_URL: sandbox.url, S3_ENDPOINT: sandbox.s3Endpoint, OUT_DIR: out, DATA_DIR: path.join(out, 'data') };
    process.stderr.write(`sandbox STAC API on ${sandbox.url}, S3 on ${sandbox.s3Endpoint}\n$ ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} run-pipeline ${pipeline}\n`);
    try {
      const reportPath = path.join(out, `${path.basename(pipeline, path.extname(pipeline))}.report.json`);
      const code = await runChild([...NODE_FLAGS, packagePath('bin', 'run-pipeline.js'), pipeline, '--report', reportPath], env);
      const report = JSON.parse(await readFile(reportPath, 'utf8').catch(() => 'null')) as RunReport | null;
      for (const stage of report?.stages ?? []) {
        const { downloaded, skipped, resumed, bytes } = stage.counters;
        if (downloaded === undefined && skipped === undefined) continue;
        process.stdout.write(`\n${stage.label}: ${downloaded ?? 0} files downloaded (${((bytes ?? 0) / 1048576).toFixed(1)} MiB), ${skipped ?? 0} already there, ${resumed ?? 0} resumed, ${stage.failed} items failed → ${env.DATA_DIR}\n`);
      }
      for (const output of Object.values(report?.outputs ?? {})) {
        const lines = (await readFile(output.path, 'utf8')).split('\n');
        process.stdout.write(`\n${output.path} (${output.rows} rows), first lines:\n${lines.slice(0, 4).map((l) => (l.length > 160 ? `${l.slice(0, 157)}...` : l)).join('\n')}\n`);
        const commands = (output as { commands?: unknown }).commands;
        if (Array.isArray(commands)) {
          process.stdout.write(`the same copy with rclone:\n${commands.map((c) => `  ${String(c)}`).join('\n')}\n${sandboxGone(sandbox.s3Endpoint)}\n`);
        }
      }
      process.exitCode = code;
    } finally {
      await sandbox.close();
    }
  },
};

/** The printed commands read the sandbox's S3, which the demo stops: say so, and how to get real ones. */
const sandboxGone = (endpoint: string): string =>
  `  (they read the demo's sandbox S3, ${endpoint}, which is stopped when the demo ends: they will not run after it. ` +
  'Against the real bucket, run `npx run-pipeline pipelines/kaguya-tc.yaml` (no S3_ENDPOINT): it prints the same commands for AWS. ' +
  'They copy into the layout `download` used, so running them too stores nothing twice.)';

function runChild(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
