import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { StacItem } from '../../src/entry.js';
import { testContext } from '../helpers/context.js';
import { filesUnder, runStep, tempDir } from './fixture.js';

// Plain HTTP(S) hrefs go through the run's got instance: same verification, skip, resume and failures.
const BYTES = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31 + 7) % 256));
const ETAG = `"v1-${createHash('sha1').update(BYTES).digest('hex').slice(0, 12)}"`;
const requests: Array<{ method: string; url: string; range?: string; ifMatch?: string }> = [];
let cutNext = 0;
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range, ifMatch: req.headers['if-match'] });
    if (req.url !== '/files/data.bin') {
      res.writeHead(req.url === '/files/secret.bin' ? 403 : 404, { 'content-type': 'text/html' });
      res.end('<html>not here</html>');
      return;
    }
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (req.headers['if-match'] !== undefined && req.headers['if-match'] !== ETAG) {
      res.writeHead(412).end();
      return;
    }
    const start = match ? Number(match[1]) : 0;
    const end = match && match[2] ? Number(match[2]) : BYTES.length - 1;
    const headers = { etag: ETAG, 'accept-ranges': 'bytes', 'content-length': String(end - start + 1), 'content-type': 'application/octet-stream' };
    if (match) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${BYTES.length}` });
    else res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const body = BYTES.subarray(start, end + 1);
    if (cutNext > 0) {
      cutNext -= 1;
      res.write(body.subarray(0, 60_000), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }); });
beforeEach(() => { requests.length = 0; cutNext = 0; });

const item = (id: string, file: string): StacItem => ({
  type: 'Feature', id, collection: 'plain', geometry: null, properties: {}, assets: { data: { href: `${base}/files/${file}`, roles: ['data'] } },
});

describe('download over plain HTTP', () => {
  it('downloads, verifies the size, then skips on a second run with a HEAD only', async () => {
    const dir = await tempDir('http-basic');
    const [entry] = await runStep({ assets: ['data'], to: `${dir}/{id}/` }, [item('a', 'data.bin')], testContext('download'));
    expect(entry.files.data).toMatchObject({ status: 'downloaded', bytes: BYTES.length, etag: ETAG });
    expect(await readFile(path.join(dir, 'a', 'data.bin'))).toEqual(BYTES);
    requests.length = 0;
    const [again] = await runStep({ assets: ['data'], to: `${dir}/{id}/` }, [item('a', 'data.bin')], testContext('download'));
    expect(again.files.data.status).toBe('skipped');
    expect(requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('a cut body is resumed with Range and If-Match', async () => {
    const dir = await tempDir('http-cut');
    cutNext = 1;
    const [entry] = await runStep({ assets: ['data'], to: `${dir}/{id}/` }, [item('b', 'data.bin')], testContext('download'));
    expect(entry.failures).toEqual([]);
    expect(await readFile(path.join(dir, 'b', 'data.bin'))).toEqual(BYTES);
    expect(requests.filter((r) => r.method === 'GET').map((r) => [r.range, r.ifMatch])).toEqual([[undefined, ETAG], ['bytes=60000-', ETAG]]);
  });

  it('fetches in ranged parts over the threshold', async () => {
    const dir = await tempDir('http-parts');
    const [entry] = await runStep({ roles: ['data'], to: `${dir}/{id}/`, multipart_threshold: '64KiB', part_size: 50_000 }, [item('c', 'data.bin')], testContext('download'));
    expect(entry.files.data.status).toBe('downloaded');
    expect(await readFile(path.join(dir, 'c', 'data.bin'))).toEqual(BYTES);
    expect(requests.filter((r) => r.method === 'GET').map((r) => r.range).sort()).toEqual(['bytes=0-49999', 'bytes=100000-149999', 'bytes=150000-199999', 'bytes=50000-99999']);
  });

  it('404 and 403 fail the entry with the href and status; the error page is never saved', async () => {
    const dir = await tempDir('http-refused');
    const out = await runStep({ assets: ['data'], to: `${dir}/{id}/` }, [item('d', 'missing.bin'), item('e', 'secret.bin')], testContext('download'));
    expect(out[0].failures).toEqual([{ stage: 'download', code: 'ERR_DOWNLOAD_HTTP', status: 404, href: `${base}/files/missing.bin`, message: expect.stringContaining('HTTP 404') }]);
    expect(out[1].failures).toEqual([expect.objectContaining({ code: 'ERR_DOWNLOAD_HTTP', status: 403, href: `${base}/files/secret.bin` })]);
    expect(await filesUnder(dir)).toEqual([]);
  });
});
