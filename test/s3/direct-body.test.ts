import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeBody } from '../../src/download/body-writer.js';
import { DEFAULT_LIMITS } from '../../src/http/limits.js';
import { ResponseBody } from '../../src/s3/response-body.js';
import { S3Transport } from '../../src/s3/transport.js';
import { ok, response, startServer, TEST_CERT, until, type ScriptedServer } from './scripted-server.js';

/**
 * A download's body goes from undici straight into the file writer (ResponseBody.drainInto), not through a
 * stream: the bytes, their order, the pauses of a slow file, and the failures must be those of the stream path.
 * Real TLS on loopback (the path S3 takes), answers written byte by byte by the test's server.
 */

const BODY = randomBytes(3_000_000);
let server: ScriptedServer;
let transport: S3Transport;
let dir: string;

const limits = { ...DEFAULT_LIMITS, headTimeoutMs: 5000, lowSpeedTimeMs: 5000 };

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stacflow-direct-body-'));
  transport = new S3Transport({ limits, maxConnectionsPerOrigin: 4, keepAliveMs: 1000, ca: [TEST_CERT.toString()] });
});
afterEach(async () => {
  await transport.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A TLS server that answers every request with all of BODY. */
const serveWholeBody = () => startServer((_, socket) => socket.write(ok(BODY)), { https: true });

async function get(requestPath: string) {
  const answer = await transport.request({ origin: server.endpoint, path: requestPath, method: 'GET', headers: {} });
  expect(answer.body).toBeInstanceOf(ResponseBody);
  return answer;
}

describe('ResponseBody.drainInto under writeBody', () => {
  it('writes every byte in order, those the stream buffered before the drain began included, and the connection is kept for the next request', async () => {
    server = await serveWholeBody();
    const answer = await get('/b/k');
    // Some records arrive and are buffered by the stream before the writer takes over.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answer.body.readableLength).toBeGreaterThan(0);
    let drains = 0;
    const drainInto = answer.body.drainInto.bind(answer.body);
    answer.body.drainInto = (take) => ((drains += 1), drainInto(take));
    const file = await open(path.join(dir, 'k.part'), 'w');
    let hashed = 0;
    const result = await writeBody(answer.body, file, 0, BODY.length, (chunk) => (hashed += chunk.length), () => undefined, 's3://b/k');
    await file.close();
    expect(result).toEqual({ position: BODY.length });
    expect(drains).toBe(1);
    expect(hashed).toBe(BODY.length);
    expect((await readFile(path.join(dir, 'k.part'))).equals(BODY)).toBe(true);
    // The body ended by itself: its connection carries the next request.
    const again = await get('/b/k2');
    again.body.resume();
    await new Promise((resolve) => again.body.once('close', resolve));
    expect(server.connections).toBe(1);
  });

  it('a slow file holds the socket back (the server stops being read) and loses nothing', async () => {
    server = await serveWholeBody();
    const answer = await get('/b/slow');
    const real = await open(path.join(dir, 'slow.part'), 'w');
    let writes = 0;
    let maxAhead = 0;
    let taken = 0;
    const slow = new Proxy(real, {
      get(target, name) {
        if (name === 'writev') {
          return async (chunks: Buffer[], position: number) => {
            writes += 1;
            await new Promise((resolve) => setTimeout(resolve, 20));
            return target.writev(chunks, position);
          };
        }
        const value = Reflect.get(target, name, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    let written = 0;
    const result = await writeBody(answer.body, slow, 0, BODY.length, (chunk) => {
      taken += chunk.length;
      maxAhead = Math.max(maxAhead, taken - written);
    }, (n) => (written += n));
    await real.close();
    expect(result).toEqual({ position: BODY.length });
    expect((await readFile(path.join(dir, 'slow.part'))).equals(BODY)).toBe(true);
    expect(writes).toBeGreaterThanOrEqual(Math.floor(BODY.length / (256 * 1024)));
    // Taken but not yet in the file: two batches, a chunk, and the 1 MiB the counter rounds to, never the whole body.
    expect(maxAhead).toBeLessThan(2 * 256 * 1024 + 64 * 1024 + (1 << 20));
  });

  it('a body cut short: the bytes before the cut are in the file and the error says where to resume', async () => {
    server = await startServer((_, socket) => {
      socket.write(response('200 OK', [['Content-Length', BODY.length]], BODY.subarray(0, 1_000_000)));
      setTimeout(() => socket.destroy(), 100);
    }, { https: true });
    const answer = await get('/b/cut');
    const file = await open(path.join(dir, 'cut.part'), 'w');
    const result = await writeBody(answer.body, file, 0, BODY.length, () => undefined, () => undefined);
    await file.close();
    expect(result.position).toBe(1_000_000);
    expect(result.error).toBeInstanceOf(Error);
    expect((await readFile(path.join(dir, 'cut.part'))).equals(BODY.subarray(0, 1_000_000))).toBe(true);
  });

  it('more bytes than the range asked for: ERR_DOWNLOAD_SIZE, nothing past the range in the file, and the request is dropped', async () => {
    server = await serveWholeBody();
    const answer = await get('/b/long');
    const file = await open(path.join(dir, 'long.part'), 'w');
    await expect(writeBody(answer.body, file, 0, 500_000, () => undefined, () => undefined, 's3://b/long')).rejects.toMatchObject({ code: 'ERR_DOWNLOAD_SIZE' });
    await file.close();
    expect((await readFile(path.join(dir, 'long.part'))).length).toBeLessThanOrEqual(500_000);
    await until(() => server.open === 0);
  });

  it('an abort while the file writes: the drain ends with the abort reason, the connection is dropped', async () => {
    server = await startServer((_, socket) => {
      socket.write(response('200 OK', [['Content-Length', BODY.length]], BODY.subarray(0, 500_000)));
      // ...and the rest never comes.
    }, { https: true });
    const controller = new AbortController();
    const answer = await transport.request({ origin: server.endpoint, path: '/b/abort', method: 'GET', headers: {}, signal: controller.signal });
    const file = await open(path.join(dir, 'abort.part'), 'w');
    const writing = writeBody(answer.body, file, 0, BODY.length, () => undefined, () => undefined);
    setTimeout(() => controller.abort(new Error('the run was stopped')), 100);
    const result = await writing;
    await file.close();
    expect(result.position).toBe(500_000);
    expect((result.error as Error).message).toBe('the run was stopped');
    await until(() => server.open === 0);
  });
});
