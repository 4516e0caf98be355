import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { STAGES } from '../../operators/index.js';
import { parsePipeline } from '../../src/config/load.js';
import { runPipeline } from '../../src/engine/run.js';
import { RCLONE_CONFIG, rcloneCopyArgv } from '../../src/rclone/command.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

// The commands the rclone_manifest step prints, run as printed by the real rclone against the sandbox S3.
// rclone comes from Debian (.ci/run installs it); a machine without it skips, CI never does.
const HAVE_RCLONE = spawnSync('rclone', ['version'], { stdio: 'ignore' }).status === 0;
const describeRclone = HAVE_RCLONE || process.env.CI ? describe : describe.skip;
if (!HAVE_RCLONE && !process.env.CI) console.warn('test/rclone/rclone-copy.test.ts skipped: rclone is not installed (apt-get install rclone); in CI it runs');

const COLLECTION = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
let sandbox: Sandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 5, collections: [{ id: COLLECTION, items: 5 }], s3: { imageBytes: 2048 } });
});
afterAll(async () => { await sandbox.close(); });
// A space in the folder: the printed command must quote the paths.
beforeEach(async () => { dir = await mkdtemp(path.join(tmpdir(), 'stacflow rclone-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

/** Splits a line as POSIX sh does for the words shellLine writes: bare words and '...' (with '\''). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const word = /(?:[^\s']+|'[^']*')+/g;
  for (const [match] of line.matchAll(word)) words.push(match.replace(/'([^']*)'/g, '$1').replace(/\\'/g, "'"));
  return words;
}

function runCommand(argv: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  const env = { ...process.env };
  delete env.AWS_CA_BUNDLE; // set on this machine; rclone fails to start its S3 client with it
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describeRclone('rclone copy, as rclone_manifest prints it', () => {
  it('copies every listed image, byte for byte, to <dest>/<key>', async () => {
    const pipelineFile = path.join(dir, 'images.yaml');
    const text = `name: images
s3: { region: us-west-2, anonymous: true, endpoint: "${sandbox.s3Endpoint}" }
source:
  stac_search: { api: "${sandbox.url}", collections: [${COLLECTION}] }
steps:
  - rclone_manifest: { assets: [image], path: "\${OUT}/kaguyatc_images_to_download.txt", dest: downloaded data }
`;
    await writeFile(pipelineFile, text);
    const plan = parsePipeline(text, pipelineFile, STAGES, { OUT: path.join(dir, 'out') });
    const result = await runPipeline(plan, { log: pino({ level: 'silent' }), reportPath: path.join(dir, 'report.json') });
    expect(result.exitCode).toBe(0);
    const items = sandbox.catalog.search({ collections: [COLLECTION] });
    expect(items).toHaveLength(5);

    const output = result.report.outputs.rclone_manifest;
    const list = path.join(dir, 'out', 'kaguyatc_images_to_download.astrogeo-ard.files.txt');
    expect(output).toMatchObject({ rows: 5, lists: { 'astrogeo-ard': list } });
    const [command] = output.commands as string[];
    const argv = shellWords(command);
    expect(argv).toEqual(rcloneCopyArgv({ remote: 's3_noauth', bucket: 'astrogeo-ard', list, dest: 'downloaded data', endpoint: sandbox.s3Endpoint }));
    expect(argv.slice(0, 10)).toEqual(['rclone', 'copy', '--config', RCLONE_CONFIG, '--files-from', list, 's3_noauth:astrogeo-ard', 'downloaded data', '--transfers', '16']);

    const copy = await runCommand(argv, dir); // dest is relative: where the user runs the command
    expect([copy.code, copy.output]).toEqual([0, '']);
    for (const { id } of items) {
      const file = path.join(dir, 'downloaded data', sandbox.s3!.key(id, 'image'));
      expect(Buffer.compare(await readFile(file), Buffer.from(sandbox.s3!.image(id)))).toBe(0);
    }
  });
});
