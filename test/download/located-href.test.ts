import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { DownloadEngine, type DownloadJob } from '../../src/download/engine.js';
import { expandTarget, parseTargetTemplate } from '../../src/download/target-path.js';
import { createHttpClient } from '../../src/http/client.js';
import { DEFAULT_LIMITS } from '../../src/http/limits.js';
import { RunStats } from '../../src/engine/stats.js';
import { closeS3Clients } from '../../src/s3/client.js';
import { locateHref } from '../../src/s3/href.js';
import type { Sandbox } from '../../sandbox/index.js';
import { IMAGE_BYTES, imageRequests, itemOf, startDownloadSandbox, tempDir } from './fixture.js';

// An href is parsed once per download, where the job is made (operators/download.ts jobFor: locateHref): the
// engine, the object source and the S3 client take the located object. Shown by giving a job whose href text
// names nothing reachable: every request, HEAD and ranged parts, still goes where the located object says,
// and the text is what the messages and the file record carry.

let sandbox: Sandbox;
beforeAll(async () => { sandbox = await startDownloadSandbox(); });
afterAll(async () => { closeS3Clients(); await sandbox.close(); });

const LIMITS = { ...DEFAULT_LIMITS, retries: 0 };
const UNREACHABLE = 'https://no-such-host.invalid/not-an-s3-object.tif';

function engine(): DownloadEngine {
  const stats = new RunStats();
  return new DownloadEngine(
    { maxRequests: 4, multipartThreshold: 64 * 1024, partSize: 64 * 1024 },
    {
      s3: { region: 'us-west-2', anonymous: true, endpoint: sandbox.s3Endpoint, limits: LIMITS },
      http: createHttpClient({ limits: LIMITS }),
      signal: new AbortController().signal,
      log: pino({ level: 'silent' }),
      count: (counter, n) => stats.count('download', counter, n),
    },
  );
}

async function jobFor(n: number, href: string, locatedFrom: string): Promise<{ job: DownloadJob; file: string; id: string }> {
  const item = itemOf(sandbox, n);
  const dir = await tempDir('located');
  const target = expandTarget(parseTargetTemplate(`${dir}/{id}.tif`), { collection: item.collection, id: item.id, asset: 'image', filename: undefined }, { item: item.id, asset: 'image' });
  return { job: { item: item.id, asset: 'image', href, located: locateHref(locatedFrom), target }, file: path.join(dir, `${item.id}.tif`), id: item.id };
}

it('locateHref reads an href once into the S3 object or the HTTP URL, keeping the text', () => {
  const href = 'https://astrogeo-ard.s3-us-west-2.amazonaws.com/moon/a%20b/c.tif';
  expect(locateHref(href)).toEqual({ kind: 's3', href, location: { bucket: 'astrogeo-ard', key: 'moon/a b/c.tif', region: 'us-west-2' } });
  expect(locateHref(UNREACHABLE)).toEqual({ kind: 'http', href: UNREACHABLE });
});

it('every request of a download, the HEAD and each ranged part, goes to the located object, never to the href text', async () => {
  const item = itemOf(sandbox, 0);
  const { job, file, id } = await jobFor(0, UNREACHABLE, item.assets.image.href);
  const record = await engine().download(job);
  expect(record).toMatchObject({ status: 'downloaded', bytes: IMAGE_BYTES, href: UNREACHABLE });
  expect(await readFile(file)).toEqual(Buffer.from(sandbox.s3!.image(id)));
  const requests = imageRequests(sandbox, id);
  expect(requests.filter((r) => r.method === 'HEAD')).toHaveLength(1);
  expect(requests.filter((r) => r.method === 'GET' && r.range !== undefined)).toHaveLength(IMAGE_BYTES / (64 * 1024));
});
