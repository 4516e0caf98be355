import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { download, downloadOptions } from '../../operators/download.js';
import { STAGES } from '../../operators/index.js';
import { parsePipeline } from '../../src/config/load.js';
import { runPipeline } from '../../src/engine/run.js';
import { closeS3Clients } from '../../src/s3/client.js';
import type { Sandbox } from '../../sandbox/index.js';
import { ENTRIES, startDownloadSandbox, tempDir } from '../download/fixture.js';

const MiB = 1024 * 1024;

describe('download options', () => {
  it('reads its documented example', () => {
    const yaml = parseYaml(download.example) as { download: unknown };
    expect(downloadOptions.parse(yaml.download)).toEqual({
      assets: ['image'], to: 'data/{collection}/{id}/', concurrency: 16, max_requests: 16, multipart_threshold: 64 * MiB, part_size: 16 * MiB, required: true,
    });
  });

  it('has the documented defaults', () => {
    expect(downloadOptions.parse({ roles: ['data'] })).toEqual({
      roles: ['data'], to: 'data/{collection}/{id}/', concurrency: 16, max_requests: 16, multipart_threshold: 64 * MiB, part_size: 16 * MiB, required: true,
    });
  });

  it.each([
    ['250M', 250 * MiB], ['1G', 1024 * MiB], ['64MiB', 64 * MiB], ['500KB', 500_000], [4096, 4096], ['1.5KiB', 1536],
  ])('reads the size %j', (size, bytes) => {
    expect(downloadOptions.parse({ assets: ['image'], multipart_threshold: size }).multipart_threshold).toBe(bytes);
  });

  it.each([
    [{ to: 'x/' }, ['assets'], /assets.*roles/],
    [{ assets: ['image'], to: 'data/{item}/' }, ['to'], /unknown placeholder \{item\}/],
    [{ assets: ['image'], part_size: '16 parsecs' }, ['part_size'], /size/],
    [{ assets: ['image'], part_size: 0 }, ['part_size'], /./],
    [{ assets: ['image'], concurrency: 0 }, ['concurrency'], /./],
    [{ assets: [] }, ['assets'], /./],
    [{ assets: ['image'], max_request: 3 }, [], /max_request/],
  ])('refuses %j at its path', (options, at, message) => {
    const result = downloadOptions.safeParse(options);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].path).toEqual(at);
    expect(JSON.stringify(result.error!.issues)).toMatch(message);
  });

  it('has a JSON Schema for editors, every option described', () => {
    const schema = z.toJSONSchema(downloadOptions, { io: 'input' }) as { properties: Record<string, { description?: string }> };
    expect(Object.keys(schema.properties).sort()).toEqual(['assets', 'concurrency', 'max_requests', 'multipart_threshold', 'part_size', 'required', 'roles', 'to']);
    for (const [name, property] of Object.entries(schema.properties)) expect([name, typeof property.description]).toEqual([name, 'string']);
  });

  it('is registered', () => {
    expect(STAGES.get('download')).toBe(download);
  });
});

describe('download in a whole run', () => {
  let sandbox: Sandbox;
  const MISSING = ENTRIES.find((e) => e.collection === ENTRIES[0].collection && e.id !== ENTRIES[0].id)!;
  beforeAll(async () => { sandbox = await startDownloadSandbox({ missing: [`${MISSING.id}/image`] }); });
  afterAll(async () => { closeS3Clients(); await sandbox.close(); });

  it('downloads every item\'s image, and the report lists the failure with its href and counts the bytes', async () => {
    const dir = await tempDir('dl-run');
    const collection = ENTRIES[0].collection;
    const ids = ENTRIES.filter((e) => e.collection === collection).map((e) => e.id);
    const yaml = `
name: dl
s3: { region: us-west-2, anonymous: true, endpoint: "${sandbox.s3Endpoint}" }
source:
  stac_search: { api: "${sandbox.url}", collections: [${collection}] }
steps:
  - download: { assets: [image], to: "${dir}/data/{collection}/{id}/", multipart_threshold: 100KiB, part_size: 64KiB }
outputs:
  - csv: { path: "${dir}/out/dl.csv" }
`;
    const plan = parsePipeline(yaml, path.join(dir, 'dl.yaml'), STAGES, {});
    const result = await runPipeline(plan, { log: pino({ level: 'silent' }) });
    expect(result.exitCode).toBe(3);
    expect(result.report.items).toMatchObject({ total: ids.length, failed: 1 });
    const missingHref = sandbox.catalog.item(collection, MISSING.id)!.assets.image.href;
    expect(result.report.failures).toEqual([expect.objectContaining({ item: MISSING.id, stage: 'download', code: 'ERR_S3_NOT_FOUND', status: 404, href: missingHref })]);
    const stage = result.report.stages.find((s) => s.label === 'download')!;
    const present = ids.filter((id) => id !== MISSING.id);
    expect(stage.counters).toMatchObject({ downloaded: present.length, bytes: present.length * sandbox.s3!.imageBytes, parts: present.length * 4 });
    for (const id of present) {
      expect(await readFile(path.join(dir, 'data', collection, id, `${id}.tif`))).toEqual(Buffer.from(sandbox.s3!.image(id)));
    }
    await expect(stat(path.join(dir, 'data', collection, MISSING.id))).rejects.toMatchObject({ code: 'ENOENT' }); // not even a folder
    expect(JSON.parse(await readFile(result.reportPath, 'utf8')).failures).toHaveLength(1);
  }, 60_000);
});
