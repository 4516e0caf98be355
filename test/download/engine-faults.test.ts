import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { pino } from 'pino';
import { DownloadEngine, type DownloadJob } from '../../src/download/engine.js';
import { downloadRetry, nextWait } from '../../src/download/retry.js';
import { expandTarget, parseTargetTemplate } from '../../src/download/target-path.js';
import { createHttpClient } from '../../src/http/client.js';
import { DEFAULT_LIMITS, type HttpLimits } from '../../src/http/limits.js';
import { RunStats } from '../../src/engine/stats.js';
import { closeS3Clients } from '../../src/s3/client.js';
import { locateHref } from '../../src/s3/href.js';
import { closedPort, response, startServer, trickle, type ScriptedRequest, type ScriptedServer } from '../s3/scripted-server.js';
import { tempDir } from './fixture.js';

/**
 * The engine against an S3 stand-in that fails as real ones do (raw TCP on 127.0.0.1): bodies that stall,
 * objects that never answer, an endpoint down for a few seconds. One retry layer: the engine's, resuming from the
 * last byte, with the backoff and deadlines of the `http:` limits.
 */

const OBJECT = randomBytes(200_000);
const ETAG = `"${createHash('md5').update(OBJECT).digest('hex')}"`;
const HREF = 's3://bucket/dir/object.tif';

/** HEAD and GET (with `Range: bytes=N-`) of OBJECT; `fault` may answer a request instead (return true). */
function objectServer(fault: (request: ScriptedRequest, socket: net.Socket, n: number) => boolean = () => false): Promise<ScriptedServer> {
  let n = 0;
  return startServer((request, socket) => {
    n += 1;
    if (fault(request, socket, n)) return;
    const common: Array<[string, string | number]> = [['ETag', ETAG], ['Last-Modified', new Date(0).toUTCString()], ['Accept-Ranges', 'bytes']];
    if (request.method === 'HEAD') {
      socket.write(response('200 OK', [['Content-Length', OBJECT.length], ...common]));
      return;
    }
    const from = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0);
    if (from === 0) socket.write(response('200 OK', [['Content-Length', OBJECT.length], ...common], OBJECT));
    else socket.write(response('206 Partial Content', [['Content-Length', OBJECT.length - from], ['Content-Range', `bytes ${from}-${OBJECT.length - 1}/${OBJECT.length}`], ...common], OBJECT.subarray(from)));
  });
}

const servers: ScriptedServer[] = [];
afterEach(async () => {
  closeS3Clients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const QUICK: Partial<HttpLimits> = { headTimeoutMs: 500, lowSpeedBytesPerSecond: 10_000, lowSpeedTimeMs: 400, retries: 4, retryBaseDelayMs: 10, retryMaxDelayMs: 20 };

function engineFor(endpoint: string, limits: Partial<HttpLimits>) {
  const stats = new RunStats();
  const engine = new DownloadEngine(
    { maxRequests: 4, multipartThreshold: 1 << 30, partSize: 1 << 20 },
    {
      s3: { region: 'us-west-2', anonymous: true, endpoint, limits: { ...DEFAULT_LIMITS, ...limits } },
      http: createHttpClient(),
      signal: new AbortController().signal,
      log: pino({ level: 'silent' }),
      count: (counter, n) => stats.count('download', counter, n),
    },
  );
  return { engine, counters: () => stats.stage('download').counters };
}

async function jobIn(name: string): Promise<{ job: DownloadJob; file: string }> {
  const dir = await tempDir(name);
  const target = expandTarget(parseTargetTemplate(`${dir}/{filename}`), { collection: 'c', id: 'i', asset: 'image', filename: 'object.tif' }, { item: 'i', asset: 'image' });
  return { job: { item: 'i', asset: 'image', href: HREF, located: locateHref(HREF), target }, file: path.join(dir, 'object.tif') };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

it('a body that stalls below http.low_speed_limit is resumed from its last byte, and the file is exact', async () => {
  const s = await objectServer((request, socket, n) => {
    if (request.method !== 'GET' || n !== 2) return false;
    // The first GET sends 50,000 bytes, then a byte every 100 ms.
    socket.write(response('200 OK', [['Content-Length', OBJECT.length], ['ETag', ETAG]], OBJECT.subarray(0, 50_000)));
    trickle(socket, OBJECT.subarray(50_000), 100);
    return true;
  });
  servers.push(s);
  const { engine, counters } = engineFor(s.endpoint, QUICK);
  const { job, file } = await jobIn('dl-low-speed');
  const record = await engine.download(job);
  expect(record).toMatchObject({ status: 'downloaded', bytes: OBJECT.length });
  expect((await readFile(file)).equals(OBJECT)).toBe(true);
  const gets = s.requests.filter((r) => r.method === 'GET');
  expect(gets[1].headers.range).toMatch(/^bytes=5\d{4}-$/);
  expect(counters()).toMatchObject({ retries: 1, downloaded: 1 });
});

it('an object whose GET never answers fails its entry within http.give_up_after, the .part kept', async () => {
  const s = await objectServer((request) => request.method === 'GET');
  servers.push(s);
  const { engine } = engineFor(s.endpoint, { ...QUICK, retries: 50, giveUpAfterMs: 1500 });
  const { job } = await jobIn('dl-never');
  const { value: err, ms } = await timed(() => engine.download(job).then(() => undefined, (e: unknown) => e));
  expect(err).toMatchObject({ code: 'ERR_DOWNLOAD_INCOMPLETE' });
  expect((err as Error).message).toContain('no response head within http.head_timeout');
  // No attempt starts past 1.5 s; the last one ends at its head deadline (0.5 s).
  expect(ms).toBeLessThan(1500 + 500 + 300);
});

it('an object whose HEAD never answers fails its entry within http.give_up_after', async () => {
  const s = await objectServer(() => true);
  servers.push(s);
  const { engine } = engineFor(s.endpoint, { ...QUICK, retries: 50, giveUpAfterMs: 1500 });
  const { job } = await jobIn('dl-never-head');
  const { value: err, ms } = await timed(() => engine.download(job).then(() => undefined, (e: unknown) => e));
  expect((err as { code?: string }).code).toMatch(/^ERR_(HEAD|REQUEST)_TIMEOUT$/);
  // (A new S3 client's first request also sets the SDK up: a few hundred ms.)
  expect(ms).toBeLessThan(1500 + 800);
  expect(s.requests.every((r) => r.method === 'HEAD')).toBe(true);
});

it('an endpoint that refuses connections for ~2 s loses nothing (the default backoff waits seconds)', async () => {
  const port = await closedPort();
  const { engine } = engineFor(`http://127.0.0.1:${port}`, {});
  const { job, file } = await jobIn('dl-refused');
  const downloading = timed(() => engine.download(job));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  // The same port comes up (raw server on it).
  const s = await objectServerOn(port);
  servers.push(s);
  const { value: record, ms } = await downloading;
  expect(record).toMatchObject({ status: 'downloaded', bytes: OBJECT.length });
  expect((await readFile(file)).equals(OBJECT)).toBe(true);
  expect(ms).toBeGreaterThanOrEqual(2000);
});

describe('nextWait', () => {
  const retry = downloadRetry({ ...DEFAULT_LIMITS, retries: 3, giveUpAfterMs: 60_000 });
  const now = 1_000_000;

  it('backs off over seconds: ~1, 2, 4 s, then no more attempts', () => {
    expect(nextWait(1, new Error('reset'), retry, now, now)).toBeGreaterThanOrEqual(500);
    expect(nextWait(1, new Error('reset'), retry, now, now)).toBeLessThanOrEqual(1000);
    expect(nextWait(3, new Error('reset'), retry, now, now)).toBeGreaterThanOrEqual(2000);
    expect(nextWait(4, new Error('reset'), retry, now, now)).toBeUndefined();
  });

  it('stops when the next attempt would start past give_up_after since the run of failures began', () => {
    expect(nextWait(1, new Error('reset'), retry, now - 59_800, now)).toBeUndefined();
    expect(nextWait(1, new Error('reset'), retry, now - 10_000, now)).toBeDefined();
  });

  it("waits what S3's Retry-After says, and gives up when it asks for more than max_retry_after", () => {
    const slowDown = (after: string) => Object.assign(new Error('SlowDown'), { $response: { headers: { 'retry-after': after } } });
    expect(nextWait(1, slowDown('7'), retry, now, now)).toBe(7000);
    expect(nextWait(1, slowDown('600'), retry, now, now)).toBeUndefined();
  });
});

/** objectServer() bound to a given port (one that was refusing connections until now). */
async function objectServerOn(port: number): Promise<ScriptedServer> {
  // startServer picks a free port; here the port is fixed, so proxy to one that it picked.
  const inner = await objectServer();
  const proxy = net.createServer((client) => {
    const upstream = net.connect(inner.origin.port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
  return {
    ...inner,
    close: async () => {
      await new Promise((resolve) => proxy.close(resolve));
      await inner.close();
    },
  };
}
