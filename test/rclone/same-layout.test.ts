import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { pino } from 'pino';
import { STAGES } from '../../operators/index.js';
import { loadPipeline } from '../../src/config/load.js';
import { runPipeline } from '../../src/engine/run.js';
import { closeS3Clients } from '../../src/s3/client.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { ROOT } from '../cli/run-bin.js';

// Issue 13: the default pipeline (pipelines/kaguya-tc.yaml) downloads to data/{collection}/{id}/ and prints
// rclone commands for the same layout, so running both stores each image once. The printed commands run as
// printed by the real rclone against the sandbox S3. A machine without rclone skips, CI never does.
const HAVE_RCLONE = spawnSync('rclone', ['version'], { stdio: 'ignore' }).status === 0;
const describeRclone = HAVE_RCLONE || process.env.CI ? describe : describe.skip;
if (!HAVE_RCLONE && !process.env.CI) console.warn('test/rclone/same-layout.test.ts skipped: rclone is not installed (apt-get install rclone); in CI it runs');

let sandbox: Sandbox;
let dir: string;
let data: string;
let commands: string[];
let rows: Array<{ collection: string; id: string }>;

/** Splits a line as POSIX sh does for the words shellLine writes: bare words and '...' (with '\''). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const [match] of line.matchAll(/(?:[^\s']+|'[^']*')+/g)) words.push(match.replace(/'([^']*)'/g, '$1').replace(/\\'/g, "'"));
  return words;
}

function runCommand(line: string): Promise<{ code: number | null; output: string }> {
  const argv = shellWords(line);
  const env = { ...process.env };
  delete env.AWS_CA_BUNDLE; // set on this machine; rclone fails to start its S3 client with it
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const imageGets = (from: number) => sandbox.s3!.requests.slice(from).filter((r) => r.method === 'GET' && r.key?.endsWith('.tif')).length;
const downloadPath = (row: { collection: string; id: string }) => path.join(data, row.collection, row.id, `${row.id}.tif`);

describeRclone('pipelines/kaguya-tc.yaml: download and the printed rclone commands share one layout', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 7 });
    // A space in the folder: the printed commands must quote the paths.
    dir = await mkdtemp(path.join(tmpdir(), 'stacflow same layout-'));
    data = path.join(dir, 'data');
    const env = { STAC_API_URL: sandbox.url, S3_ENDPOINT: sandbox.s3Endpoint, OUT_DIR: path.join(dir, 'out'), DATA_DIR: data };
    const pipeline = await loadPipeline(path.join(ROOT, 'pipelines', 'kaguya-tc.yaml'), STAGES, env);
    const result = await runPipeline(pipeline, { log: pino({ level: 'silent' }), reportPath: path.join(dir, 'report.json') });
    closeS3Clients();
    expect(result.exitCode).toBe(0);
    commands = result.report.outputs.rclone_manifest.commands as string[];
    rows = parse(await readFile(path.join(dir, 'out', 'kaguya-tc.csv'), 'utf8'), { columns: true }) as Array<{ collection: string; id: string }>;
  }, 60_000);
  afterAll(async () => {
    await sandbox?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints one command per collection, from the bucket folder above <ID>/ into data/<collection>', () => {
    expect(rows.length).toBeGreaterThan(10);
    const collections = [...new Set(rows.map((r) => r.collection))];
    expect(commands).toHaveLength(collections.length);
    for (const collection of collections) {
      const kind = collection.split('_')[3]; // kaguya_terrain_camera_<kind>_uncontrolled_observations
      expect(commands.some((c) => shellWords(c).join('\n').includes(`\ns3_noauth:astrogeo-ard/moon/kaguya/terrain_camera/${kind}/uncontrolled\n${path.join(data, collection)}\n`))).toBe(true);
    }
  });

  it('after the download, the commands copy nothing (no GET of an image) and store nothing beside the downloaded files', async () => {
    const before = sandbox.s3!.requests.length;
    for (const command of commands) expect(await runCommand(command)).toEqual({ code: 0, output: '' });
    expect(imageGets(before)).toBe(0);
    expect((await readdir(data)).sort()).toEqual([...new Set(rows.map((r) => r.collection))].sort());
    for (const row of rows) {
      expect(await readdir(path.dirname(downloadPath(row)))).toEqual([`.${row.id}.tif.stacflow.json`, `${row.id}.tif`]);
      expect(Buffer.compare(await readFile(downloadPath(row)), Buffer.from(sandbox.s3!.image(row.id)))).toBe(0);
    }
  });

  it('alone, into an empty folder, the commands put every image where download puts it, byte for byte', async () => {
    await rm(data, { recursive: true, force: true });
    const before = sandbox.s3!.requests.length;
    for (const command of commands) expect(await runCommand(command)).toEqual({ code: 0, output: '' });
    expect(imageGets(before)).toBe(rows.length);
    for (const row of rows) expect(Buffer.compare(await readFile(downloadPath(row)), Buffer.from(sandbox.s3!.image(row.id)))).toBe(0);
    expect((await readdir(data)).sort()).toEqual([...new Set(rows.map((r) => r.collection))].sort());
  });
});
