import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { from, lastValueFrom, toArray } from 'rxjs';
import { parse as parseYaml } from 'yaml';
import { rcloneManifest, rcloneManifestOptions } from '../../operators/rclone-manifest.js';
import { newEntry, withFailure, type Entry, type StacItem } from '../../src/entry.js';
import { RCLONE_CONFIG } from '../../src/rclone/command.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { testContext } from '../helpers/context.js';
import { stepOperator } from '../../src/engine/per-entry.js';

const COLLECTION = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
let sandbox: Sandbox;
let items: StacItem[];
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 11, collections: [{ id: COLLECTION, items: 4 }], s3: { imageBytes: 1024, objects: 'none' } });
  items = sandbox.catalog.search({}).map((e) => sandbox.catalog.item(e.collection, e.id)!);
});
afterAll(async () => { await sandbox.close(); });
beforeEach(async () => { dir = await mkdtemp(path.join(tmpdir(), 'stacflow-rclone-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const key = (item: StacItem): string => sandbox.s3!.key(item.id, 'image');
const withImage = (item: StacItem, href: string, id = item.id): StacItem => ({ ...item, id, assets: { ...item.assets, image: { ...item.assets.image, href } } });

async function run(options: Record<string, unknown>, entries: Entry[], ctx = testContext('rclone_manifest')) {
  const step = await rcloneManifest.create(rcloneManifestOptions.parse(options), ctx);
  const out = await lastValueFrom(from(entries).pipe(stepOperator(step, ctx), toArray()));
  return { out, step, ctx };
}

describe('rclone_manifest', () => {
  it('writes the tutorial\'s s3_noauth:/bucket/key lines and a --files-from list, in stream order', async () => {
    const manifest = path.join(dir, 'out', 'kaguyatc_images_to_download.txt');
    const entries = items.map(newEntry);
    const { out, step, ctx } = await run({ assets: ['image'], path: manifest }, entries);
    expect(out).toEqual(entries); // entries pass through unchanged
    const list = path.join(dir, 'out', 'kaguyatc_images_to_download.astrogeo-ard.files.txt');
    expect(await step.finish!()).toEqual({
      path: manifest,
      rows: items.length,
      lists: { 'astrogeo-ard': list },
      commands: [`rclone copy --config ${RCLONE_CONFIG} --files-from ${list} s3_noauth:astrogeo-ard data --transfers 16 --no-traverse`],
      copies: [{ remote: 's3_noauth', bucket: 'astrogeo-ard', source: '', list, dest: 'data', region: 'us-west-2', objects: items.length }],
    });
    // As the tutorial builds them from assets.image.href: `s3_noauth:/<host's first label>/<path>`.
    const tutorial = items.map((item) => {
      const url = item.assets.image.href;
      return `s3_noauth:/${url.split('/')[2].split('.')[0]}/${url.split('/').slice(3).join('/')}\n`;
    });
    expect(readFileSync(manifest, 'utf8')).toBe(tutorial.join(''));
    expect(readFileSync(list, 'utf8')).toBe(items.map((item) => `${key(item)}\n`).join(''));
    expect(ctx.stats.stage('rclone_manifest')).toMatchObject({ in: 4, out: 4, failed: 0, counters: { objects: 4, 'bucket:astrogeo-ard': 4 } });
    expect(readdirSync(path.join(dir, 'out')).sort()).toEqual(['kaguyatc_images_to_download.astrogeo-ard.files.txt', 'kaguyatc_images_to_download.txt']);
  });

  it('lists each object once, one list per bucket, and leaves out failed entries', async () => {
    const [a, b, c, d] = items;
    const other = withImage(c, `s3://other-bucket/${key(c)}`);
    const failedEarlier = withFailure(newEntry(d), { stage: 'fetch_label', code: 'ERR_HTTP', message: 'HTTP 404' });
    const manifest = path.join(dir, 'list.txt');
    const { ctx, step } = await run({ assets: ['image'], remote: 's3_noauth', path: manifest }, [newEntry(a), newEntry(b), newEntry(a), newEntry(other), failedEarlier]);
    const result = await step.finish!();
    expect(readFileSync(manifest, 'utf8')).toBe(`s3_noauth:/astrogeo-ard/${key(a)}\ns3_noauth:/astrogeo-ard/${key(b)}\ns3_noauth:/other-bucket/${key(c)}\n`);
    expect(result.lists).toEqual({ 'astrogeo-ard': path.join(dir, 'list.astrogeo-ard.files.txt'), 'other-bucket': path.join(dir, 'list.other-bucket.files.txt') });
    expect(readFileSync(path.join(dir, 'list.astrogeo-ard.files.txt'), 'utf8')).toBe(`${key(a)}\n${key(b)}\n`);
    expect(readFileSync(path.join(dir, 'list.other-bucket.files.txt'), 'utf8')).toBe(`${key(c)}\n`);
    // An s3:// href names no region: the pipeline's s3.region (us-west-2 here) is the remote's own.
    const commands = result.commands as string[];
    expect(commands).toHaveLength(2);
    expect(commands[1]).toMatch(/ s3_noauth:other-bucket data --transfers 16 --no-traverse$/);
    expect(ctx.stats.stage('rclone_manifest').counters).toEqual({ objects: 3, duplicates: 1, 'bucket:astrogeo-ard': 2, 'bucket:other-bucket': 1 });
  });

  it('fails entries whose keys rclone would misread or whose hrefs are not S3, and lists none of their objects', async () => {
    const [a, b] = items;
    // At the bucket root, so that the key starts as the list line does (`#`/`;` inside a key are harmless).
    const base = 'https://astrogeo-ard.s3-us-west-2.amazonaws.com/';
    const hostile = ['x/%0Anewline.tif', '%23comment.tif', '%3Bsemi.tif', '%20lead.tif', 'trail.tif%20', 'dir/', 'a//b.tif', 'x/../y.tif', 'cr%0D.tif'];
    const bad = hostile.map((name, i) => newEntry(withImage(a, `${base}${name}`, `bad-${i}`)));
    const http = newEntry(withImage(b, 'https://example.org/TC.tif', 'http-only'));
    const mixed = newEntry({ ...b, id: 'mixed', assets: { ...b.assets, thumbnail: { ...b.assets.thumbnail, href: `${base}%0A.jpg` } } });
    const manifest = path.join(dir, 'm.txt');
    const { out, ctx, step } = await run({ assets: ['image', 'thumbnail'], path: manifest }, [...bad, http, mixed, newEntry(b)]);
    await step.finish!();
    // Objects of an entry in the order the step lists its assets (image, then thumbnail).
    expect(readFileSync(manifest, 'utf8')).toBe(`s3_noauth:/astrogeo-ard/${key(b)}\ns3_noauth:/astrogeo-ard/${b.assets.thumbnail.href.split('/').slice(3).join('/')}\n`);
    expect(out.map((e) => [e.item.id, e.failures.map((f) => f.code)])).toEqual([
      ...hostile.map((_, i) => [`bad-${i}`, ['ERR_RCLONE_KEY']]),
      ['http-only', ['ERR_RCLONE_NOT_S3']],
      ['mixed', ['ERR_RCLONE_KEY']],
      [b.id, []],
    ]);
    expect(out[0].failures[0]).toMatchObject({ stage: 'rclone_manifest', href: `${base}x/%0Anewline.tif` });
    expect(out[0].failures[0].message).toContain('control character (U+000A)');
    expect(ctx.stats.stage('rclone_manifest').failed).toBe(hostile.length + 2);
  });

  it('selects assets by role', async () => {
    const manifest = path.join(dir, 'roles.txt');
    const { step } = await run({ roles: ['thumbnail'], path: manifest }, [newEntry(items[0])]);
    const result = await step.finish!();
    expect(result.rows).toBe(1);
    expect(readFileSync(manifest, 'utf8')).toBe(`s3_noauth:/astrogeo-ard/${items[0].assets.thumbnail.href.split('/').slice(3).join('/')}\n`);
  });

  it('shows nothing under the final names before finish, and an aborted run leaves the earlier manifest', async () => {
    const manifest = path.join(dir, 'kept.txt');
    const list = path.join(dir, 'kept.astrogeo-ard.files.txt');
    writeFileSync(manifest, 's3_noauth:/astrogeo-ard/from/yesterday.tif\n');
    writeFileSync(list, 'from/yesterday.tif\n');
    const { step } = await run({ assets: ['image'], path: manifest }, items.map(newEntry));
    expect(existsSync(`${manifest}.tmp-${process.pid}`)).toBe(true);
    expect(existsSync(`${list}.tmp-${process.pid}`)).toBe(true);
    await step.abort!();
    expect(readdirSync(dir).sort()).toEqual(['kept.astrogeo-ard.files.txt', 'kept.txt']);
    expect(readFileSync(manifest, 'utf8')).toBe('s3_noauth:/astrogeo-ard/from/yesterday.tif\n');
    expect(readFileSync(list, 'utf8')).toBe('from/yesterday.tif\n');
  });

  it('ends the run when the manifest cannot be written', async () => {
    writeFileSync(path.join(dir, 'a-file'), '');
    const ctx = testContext('rclone_manifest');
    const step = await rcloneManifest.create(rcloneManifestOptions.parse({ assets: ['image'], path: path.join(dir, 'a-file', 'm.txt') }), ctx);
    await expect(lastValueFrom(from([newEntry(items[0])]).pipe(stepOperator(step, ctx)))).rejects.toMatchObject({
      code: 'ERR_OUTPUT_WRITE',
      errorClass: 'fatal',
      message: expect.stringContaining(`cannot write ${path.join(dir, 'a-file')}`),
    });
    await step.abort!();
  });

  it('writes an empty manifest and no command when nothing is listed', async () => {
    const manifest = path.join(dir, 'empty.txt');
    const { step } = await run({ assets: ['image'], path: manifest }, []);
    expect(await step.finish!()).toEqual({ path: manifest, rows: 0, lists: {}, commands: [], copies: [] });
    expect(readFileSync(manifest, 'utf8')).toBe('');
  });

  it('adds the endpoint flags when the pipeline reads S3 from another endpoint', async () => {
    const ctx = testContext('rclone_manifest', { s3: { region: 'us-west-2', anonymous: true, endpoint: sandbox.s3Endpoint } });
    const { step } = await run({ assets: ['image'], path: path.join(dir, 'e.txt'), dest: 'my data' }, [newEntry(items[0])], ctx);
    const [command] = (await step.finish!()).commands as string[];
    expect(command).toMatch(new RegExp(` s3_noauth:astrogeo-ard 'my data' --transfers 16 --no-traverse --s3-provider Other --s3-endpoint ${sandbox.s3Endpoint}$`));
  });

  it('logs the manifest and each command at info when it finishes', async () => {
    const lines: Array<{ level: number; msg: string; command?: string }> = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const { step } = await run({ assets: ['image'], path: path.join(dir, 'logged.txt') }, [newEntry(items[0])], testContext('rclone_manifest', { log }));
    const { commands } = await step.finish!();
    expect(lines.filter((l) => l.command !== undefined).map((l) => [l.level, l.command])).toEqual([[30, (commands as string[])[0]]]);
    expect(lines[0].msg).toBe(`rclone_manifest: listed 1 objects in ${path.join(dir, 'logged.txt')}`);
  });

  it('needs assets or roles, and a usable remote name', () => {
    expect(rcloneManifestOptions.safeParse({ path: 'x.txt' }).error?.issues[0].message).toBe('say which assets: `assets` (asset keys), `roles` (asset roles), or both');
    expect(rcloneManifestOptions.safeParse({ assets: ['image'], path: 'x.txt', remote: '-x' }).success).toBe(false);
    expect(rcloneManifestOptions.parse({ assets: ['image'], path: 'x.txt' })).toEqual({ assets: ['image'], path: 'x.txt', remote: 's3_noauth', dest: 'data' });
  });

  it('parses its documented example', () => {
    const example = parseYaml(rcloneManifest.example) as { rclone_manifest: unknown };
    expect(rcloneManifestOptions.parse(example.rclone_manifest)).toEqual({ assets: ['image'], remote: 's3_noauth', path: 'out/kaguyatc_images_to_download.txt', dest: 'data' });
  });
});
