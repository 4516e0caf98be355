import { createCipheriv } from 'node:crypto';
import { existsSync } from 'node:fs';
import { KAGUYA_TC_COLLECTIONS, SandboxCatalog, startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';
import { DEMO_BBOX, SERVED_ASSETS, caminfoFor } from '../../sandbox/s3/index.js';
import { DEFAULT_CAMINFO_OPTIONS } from '../../sandbox/s3/caminfo.js';

const SEED = 11;
const COLLECTIONS = KAGUYA_TC_COLLECTIONS.map((id) => ({ id, items: 8 }));
const CATALOG = new SandboxCatalog(SEED, COLLECTIONS);
const ENTRIES = [...CATALOG.entries()];
const CAMINFO_TEXT = (id: string) => caminfoFor(CATALOG, CATALOG.find(id), DEFAULT_CAMINFO_OPTIONS).text;

async function withSandbox(s3: SandboxOptions['s3'], body: (sandbox: Sandbox) => Promise<void>): Promise<void> {
  const sandbox = await startSandbox({ seed: SEED, collections: COLLECTIONS, s3 });
  try {
    await body(sandbox);
  } finally {
    await sandbox.close();
  }
}

/** Plain HTTP, path-style, as curl or rclone would ask (no SDK). */
const objectUrl = (sandbox: Sandbox, key: string) => `${sandbox.s3Endpoint}/astrogeo-ard/${key.split('/').map(encodeURIComponent).join('/')}`;
const hrefKey = (href: string) => href.split('.amazonaws.com/')[1];
const assetKey = (sandbox: Sandbox, entry: { collection: string; id: string }, asset: string) => hrefKey(sandbox.catalog.item(entry.collection, entry.id)!.assets[asset].href);

async function listKeys(sandbox: Sandbox, query = 'prefix=moon/'): Promise<string[]> {
  const response = await fetch(`${sandbox.s3Endpoint}/astrogeo-ard?${query}`);
  expect(response.status).toBe(200);
  return [...(await response.text()).matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]).sort();
}

describe('sandbox S3', () => {
  it('serves each item\'s caminfo_pvl and image at the bucket and key of its hrefs, with the helper\'s exact bytes', async () => {
    await withSandbox({ imageBytes: 3000 }, async (sandbox) => {
      expect(sandbox.s3Endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      for (const entry of ENTRIES.slice(0, 6)) {
        const item = sandbox.catalog.item(entry.collection, entry.id)!;
        expect(item.assets.caminfo_pvl.href).toMatch(/^https:\/\/astrogeo-ard\.s3-us-west-2\.amazonaws\.com\//);
        const label = await fetch(objectUrl(sandbox, hrefKey(item.assets.caminfo_pvl.href)));
        expect(label.status).toBe(200);
        expect(await label.text()).toBe(sandbox.s3!.caminfo(entry.id).text);
        const image = await fetch(objectUrl(sandbox, hrefKey(item.assets.image.href)));
        expect(image.headers.get('content-type')).toBe('image/tiff');
        const bytes = Buffer.from(await image.arrayBuffer());
        expect(bytes.length).toBe(3000);
        expect(bytes.equals(Buffer.from(sandbox.s3!.image(entry.id)))).toBe(true);
        expect(bytes.subarray(0, 4).toString('latin1')).toBe('II*\0');
        expect(sandbox.s3!.key(entry.id, 'image')).toBe(hrefKey(item.assets.image.href));
      }
    });
  });

  it('answers NoSuchKey, as the real bucket does, for the assets it does not hold', async () => {
    await withSandbox({}, async (sandbox) => {
      const key = assetKey(sandbox, ENTRIES[0], 'provenance');
      const response = await fetch(objectUrl(sandbox, key));
      expect(response.status).toBe(404);
      const body = await response.text();
      expect(body).toMatch(new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${key}</Key>`));
      expect(body).toMatch(/<RequestId>\w+<\/RequestId><HostId>[\w=+/]+<\/HostId><\/Error>$/);
    });
  });

  it('is the same for the same seed: labels and images', async () => {
    const id = ENTRIES[2].id;
    let first: { text: string; image: Uint8Array } | undefined;
    await withSandbox({}, async (sandbox) => {
      first = { text: await (await fetch(objectUrl(sandbox, sandbox.s3!.key(id, 'caminfo_pvl')))).text(), image: sandbox.s3!.image(id) };
    });
    await withSandbox({}, async (sandbox) => {
      expect(await (await fetch(objectUrl(sandbox, sandbox.s3!.key(id, 'caminfo_pvl')))).text()).toBe(first!.text);
      expect(Buffer.from(sandbox.s3!.image(id)).equals(Buffer.from(first!.image))).toBe(true);
    });
    const other = await startSandbox({ seed: SEED + 1, collections: COLLECTIONS });
    try {
      const g = 2;
      const otherId = other.catalog.entries().next().value!.id;
      expect(otherId).not.toBe(ENTRIES[0].id);
      expect(Buffer.from(other.s3!.image(other.catalog.id(g))).equals(Buffer.from(first!.image))).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('writes the objects of the tutorial bbox items at startup (listings see them) and the others on first read', async () => {
    await withSandbox({}, async (sandbox) => {
      const inBox = sandbox.catalog.search({ bbox: [...DEMO_BBOX] }).map((e) => e.id);
      const expected = inBox.flatMap((id) => SERVED_ASSETS.map((asset) => sandbox.s3!.key(id, asset))).sort();
      expect(await listKeys(sandbox)).toEqual(expected);
      const outside = ENTRIES.find((e) => !inBox.includes(e.id))!;
      expect((await fetch(objectUrl(sandbox, sandbox.s3!.key(outside.id, 'caminfo_pvl')), { method: 'HEAD' })).status).toBe(200);
      expect(await listKeys(sandbox)).toEqual([...expected, sandbox.s3!.key(outside.id, 'caminfo_pvl')].sort());
    });
  });

  it('writes the first N items at startup with objects: N, none with objects: none', async () => {
    await withSandbox({ objects: 3 }, async (sandbox) => {
      expect(await listKeys(sandbox)).toEqual(ENTRIES.slice(0, 3).flatMap((e) => SERVED_ASSETS.map((a) => sandbox.s3!.key(e.id, a))).sort());
    });
    await withSandbox({ objects: 'none' }, async (sandbox) => {
      expect(await listKeys(sandbox)).toEqual([]);
    });
  });

  it('holds only the startup objects with lazy: false', async () => {
    await withSandbox({ objects: 2, lazy: false }, async (sandbox) => {
      expect((await fetch(objectUrl(sandbox, sandbox.s3!.key(ENTRIES[1].id, 'image')))).status).toBe(200);
      expect((await fetch(objectUrl(sandbox, sandbox.s3!.key(ENTRIES[2].id, 'image')))).status).toBe(404);
    });
  });

  it('makes an item\'s objects missing (NoSuchKey) by id, or one of them by <id>/<asset>', async () => {
    const [a, b] = [ENTRIES[0].id, ENTRIES[1].id];
    await withSandbox({ missing: [a, `${b}/image`], objects: 'all' }, async (sandbox) => {
      const status = async (id: string, asset: 'caminfo_pvl' | 'image') => (await fetch(objectUrl(sandbox, sandbox.s3!.key(id, asset)))).status;
      expect([await status(a, 'caminfo_pvl'), await status(a, 'image'), await status(b, 'caminfo_pvl'), await status(b, 'image')]).toEqual([404, 404, 200, 404]);
      const body = await (await fetch(objectUrl(sandbox, sandbox.s3!.key(a, 'image')))).text();
      expect(body).toContain('<Code>NoSuchKey</Code>');
      expect(await listKeys(sandbox)).not.toContain(sandbox.s3!.key(a, 'caminfo_pvl'));
    });
  });

  it('answers 403 AccessDenied for forbidden items (HEAD without a body)', async () => {
    const id = ENTRIES[3].id;
    await withSandbox({ forbidden: [`${id}/caminfo_pvl`] }, async (sandbox) => {
      const get = await fetch(objectUrl(sandbox, sandbox.s3!.key(id, 'caminfo_pvl')));
      expect(get.status).toBe(403);
      expect(await get.text()).toContain('<Code>AccessDenied</Code><Message>Access Denied</Message>');
      const head = await fetch(objectUrl(sandbox, sandbox.s3!.key(id, 'caminfo_pvl')), { method: 'HEAD' });
      expect(head.status).toBe(403);
      expect(await head.text()).toBe('');
      expect((await fetch(objectUrl(sandbox, sandbox.s3!.key(id, 'image')))).status).toBe(200);
    });
  });

  it('plays scripted faults the number of times asked, with Retry-After', async () => {
    const id = ENTRIES[4].id;
    await withSandbox({ faults: [{ match: id, status: 503, times: 2, retryAfter: '1' }] }, async (sandbox) => {
      const url = objectUrl(sandbox, sandbox.s3!.key(id, 'caminfo_pvl'));
      const first = await fetch(url);
      expect(first.status).toBe(503);
      expect(first.headers.get('retry-after')).toBe('1');
      expect(await first.text()).toContain('<Code>SlowDown</Code>');
      expect((await fetch(url)).status).toBe(503);
      expect((await fetch(url)).status).toBe(200);
      sandbox.s3!.addFault({ match: sandbox.s3!.key(id, 'image'), status: 500, times: 1 });
      expect((await fetch(objectUrl(sandbox, sandbox.s3!.key(id, 'image')))).status).toBe(500);
      expect(sandbox.s3!.requests.map((r) => r.status)).toEqual([503, 503, 200, 500]);
    });
  });

  it('with memoryReads, answers plain GETs from memory with the bytes and headers s3rver gives; ranges and conditions still go to s3rver', async () => {
    const id = ENTRIES[5].id;
    const answers: Array<{ status: number; body: Buffer; headers: Record<string, string | null> }> = [];
    for (const memoryReads of [false, true]) {
      await withSandbox({ memoryReads, imageBytes: 2000 }, async (sandbox) => {
        for (const asset of ['caminfo_pvl', 'image'] as const) {
          const response = await fetch(objectUrl(sandbox, sandbox.s3!.key(id, asset)));
          const headers = Object.fromEntries(['accept-ranges', 'content-length', 'content-type', 'etag'].map((h) => [h, response.headers.get(h)]));
          answers.push({ status: response.status, body: Buffer.from(await response.arrayBuffer()), headers });
        }
        const url = objectUrl(sandbox, sandbox.s3!.key(id, 'image'));
        const ranged = await fetch(url, { headers: { range: 'bytes=10-19' } });
        expect(ranged.status).toBe(206);
        expect(Buffer.from(await ranged.arrayBuffer()).equals(Buffer.from(sandbox.s3!.image(id)).subarray(10, 20))).toBe(true);
        const etag = (await fetch(url, { method: 'HEAD' })).headers.get('etag')!;
        expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
      });
    }
    expect(answers.slice(2)).toEqual(answers.slice(0, 2));
    expect(answers[0].body.toString()).toBe(CAMINFO_TEXT(id));
    expect(answers[1].body.length).toBe(2000);
  });

  it('serves byte ranges, and refuses the ones s3rver would answer wrongly (suffix, 0-0, several)', async () => {
    await withSandbox({}, async (sandbox) => {
      const id = ENTRIES[0].id;
      const url = objectUrl(sandbox, sandbox.s3!.key(id, 'image'));
      const image = Buffer.from(sandbox.s3!.image(id));
      const ranged = await fetch(url, { headers: { range: 'bytes=5-9' } });
      expect(ranged.status).toBe(206);
      expect(ranged.headers.get('content-range')).toBe(`bytes 5-9/${image.length}`);
      expect(Buffer.from(await ranged.arrayBuffer()).equals(image.subarray(5, 10))).toBe(true);
      const open = await fetch(url, { headers: { range: `bytes=${image.length - 3}-` } });
      expect(Buffer.from(await open.arrayBuffer()).equals(image.subarray(image.length - 3))).toBe(true);
      for (const range of ['bytes=-10', 'bytes=0-0', 'bytes=0-1,5-6']) {
        const refused = await fetch(url, { headers: { range } });
        expect(refused.status).toBe(501);
        expect(await refused.text()).toContain('<Code>NotImplemented</Code>');
      }
    });
  });

  it('answers 412 to If-Match with another ETag (s3rver alone ignores If-Match)', async () => {
    await withSandbox({}, async (sandbox) => {
      const url = objectUrl(sandbox, sandbox.s3!.key(ENTRIES[0].id, 'image'));
      const etag = (await fetch(url, { method: 'HEAD' })).headers.get('etag')!;
      expect((await fetch(url, { headers: { 'if-match': etag } })).status).toBe(200);
      expect((await fetch(url, { headers: { 'if-match': '"00000000000000000000000000000000"' } })).status).toBe(412);
    });
  });

  it('lists with ListObjects v1, and ListObjectsV2 in one page; a V2 page needing a continuation token works only with DES', async () => {
    const desAvailable = (() => {
      try {
        createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
        return true;
      } catch {
        return false;
      }
    })();
    await withSandbox({ objects: 3 }, async (sandbox) => {
      expect(await listKeys(sandbox, 'prefix=moon/&max-keys=2')).toHaveLength(2); // v1, truncated: no token needed
      expect(await listKeys(sandbox, 'list-type=2&prefix=moon/')).toHaveLength(6);
      const paged = await fetch(`${sandbox.s3Endpoint}/astrogeo-ard?list-type=2&prefix=moon/&max-keys=2`);
      if (desAvailable) {
        expect(paged.status).toBe(200);
        expect(await paged.text()).toContain('<NextContinuationToken>');
      } else {
        expect(paged.status).toBe(501);
        expect(await paged.text()).toContain('--openssl-legacy-provider');
      }
    });
  });

  it('logs every request with its headers', async () => {
    await withSandbox({}, async (sandbox) => {
      const key = sandbox.s3!.key(ENTRIES[0].id, 'caminfo_pvl');
      await fetch(objectUrl(sandbox, key), { headers: { 'x-test': 'yes' } });
      expect(sandbox.s3!.requests).toEqual([expect.objectContaining({ method: 'GET', bucket: 'astrogeo-ard', key, status: 200, headers: expect.objectContaining({ 'x-test': 'yes' }) })]);
      sandbox.s3!.clearRequests();
      expect(sandbox.s3!.requests).toEqual([]);
    });
  });

  it('removes its storage folder on close', async () => {
    const sandbox = await startSandbox({ seed: SEED, collections: COLLECTIONS });
    const folder = sandbox.s3!.directory;
    expect(existsSync(folder)).toBe(true);
    await sandbox.close();
    expect(existsSync(folder)).toBe(false);
  });

  it('starts the STAC API alone with s3: { enabled: false }', async () => {
    const sandbox = await startSandbox({ seed: SEED, collections: COLLECTIONS, s3: { enabled: false } });
    try {
      expect(sandbox.s3Endpoint).toBe('');
      expect(sandbox.s3).toBeUndefined();
      expect((await fetch(`${sandbox.url}search`)).status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });

  it('rejects options that cannot work', async () => {
    await expect(startSandbox({ seed: SEED, collections: COLLECTIONS, s3: { imageBytes: -1 } })).rejects.toThrow(/imageBytes/);
    await expect(startSandbox({ seed: SEED, collections: COLLECTIONS, s3: { nullGeometryShare: 2 } })).rejects.toThrow(/nullGeometryShare/);
    await expect(startSandbox({ seed: SEED, collections: COLLECTIONS, s3: { objects: -3 } })).rejects.toThrow(/s3.objects/);
  });

  it('starts the default catalog (2000 items a collection) with the bbox items\' objects written', async () => {
    const sandbox = await startSandbox();
    try {
      const inBox = sandbox.catalog.search({ bbox: [...DEMO_BBOX] });
      expect(inBox.length).toBeGreaterThan(20);
      expect(await listKeys(sandbox)).toHaveLength(inBox.length * 2);
    } finally {
      await sandbox.close();
    }
  });
});
