import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LabelCache } from '../../src/labels/cache.js';
import { LabelError } from '../../src/labels/errors.js';
import { readLabelText, type LabelReader } from '../../src/labels/fetch.js';
import { testContext } from '../helpers/context.js';
import { startLabelServer, type LabelServer } from './label-server.js';

let server: LabelServer;
beforeAll(async () => { server = await startLabelServer(); });
afterAll(async () => { await server.close(); });
beforeEach(() => { server.requests.length = 0; });

const reader = (extra: Partial<LabelReader> = {}): LabelReader => {
  const ctx = testContext();
  return { http: ctx.http, s3: ctx.s3, signal: ctx.signal, ...extra };
};
const tempCache = async () => new LabelCache(await mkdtemp(path.join(tmpdir(), 'stacflow-labels-')));

describe('readLabelText over HTTP', () => {
  it('reads the label as PVL input: UTF-8, CR LF turned into LF', async () => {
    server.put('/crlf.pvl', 'Object = A\r\n  X = 1\r\nEnd_Object\r\nEnd\r\n');
    const label = await readLabelText(`${server.url}crlf.pvl`, reader());
    expect(label).toMatchObject({ text: 'Object = A\n  X = 1\nEnd_Object\nEnd\n', bytes: 38, fromCache: false });
    expect(label.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('keeps the ASCII part of a label followed by binary data', async () => {
    server.put('/cube.lbl', Buffer.concat([Buffer.from('Object = IsisCube\nEnd_Object\nEnd\n'), Buffer.from([0x00, 0xff, 0xfe, 0x80])]));
    expect((await readLabelText(`${server.url}cube.lbl`, reader())).text).toBe('Object = IsisCube\nEnd_Object\nEnd\n\u0000');
  });

  it('fails with the status and the href on an HTTP error', async () => {
    const href = `${server.url}missing.pvl`;
    const err = await readLabelText(href, reader()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabelError);
    expect(err).toMatchObject({ code: 'ERR_LABEL_HTTP', status: 404, href, errorClass: 'item' });
    expect((err as Error).message).toBe(`HTTP 404 Not Found from ${href}`);
  });

  it('fails as unreachable when nothing answers', async () => {
    const href = 'http://127.0.0.1:9/x.pvl';
    const err = await readLabelText(href, reader()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_LABEL_UNREACHABLE', href, errorClass: 'item' });
    // Retried like every request (testContext: 3 quick retries), then the item fails.
    expect((err as Error).message).toBe(`cannot fetch ${href} after 3 retries: connection refused (ECONNREFUSED); check the network or the href`);
  });
});

describe('readLabelText with a cache', () => {
  it('downloads once, then revalidates with If-None-Match and serves the cached text on 304', async () => {
    server.put('/cached.pvl', 'A = 1\nEnd\n');
    const href = `${server.url}cached.pvl`;
    const cache = await tempCache();
    const first = await readLabelText(href, reader({ cache }));
    const second = await readLabelText(href, reader({ cache }));
    expect(first).toMatchObject({ text: 'A = 1\nEnd\n', fromCache: false, bytes: 10 });
    expect(second).toMatchObject({ text: 'A = 1\nEnd\n', fromCache: true, bytes: 0, etag: first.etag });
    expect(server.requests).toEqual([
      { path: '/cached.pvl', status: 200, bytes: 10 },
      { path: '/cached.pvl', status: 304, bytes: 0, ifNoneMatch: first.etag },
    ]);
  });

  it('downloads again when the label changed, and caches the new version', async () => {
    const href = `${server.url}changing.pvl`;
    const cache = await tempCache();
    server.put('/changing.pvl', 'A = 1\nEnd\n');
    await readLabelText(href, reader({ cache }));
    server.put('/changing.pvl', 'A = 2\nEnd\n');
    const changed = await readLabelText(href, reader({ cache }));
    expect(changed).toMatchObject({ text: 'A = 2\nEnd\n', fromCache: false });
    expect(await cache.get(href)).toMatchObject({ text: 'A = 2\nEnd\n', etag: changed.etag });
  });

  it('does not keep labels served without an ETag (they could not be revalidated)', async () => {
    server.put('/no-etag.pvl', 'A = 1\nEnd\n', { etag: null });
    const href = `${server.url}no-etag.pvl`;
    const cache = await tempCache();
    await readLabelText(href, reader({ cache }));
    await readLabelText(href, reader({ cache }));
    expect(server.requests.map((r) => [r.status, r.ifNoneMatch])).toEqual([[200, undefined], [200, undefined]]);
    expect(await cache.get(href)).toBeUndefined();
  });
});
