import { randomBytes } from 'node:crypto';
import type { Http1Pool } from '../../src/http1/pool.js';
import { chunked, consumeSlowly, get, makePool, ok, readAll, rejection, response, sha256, startServer, TEST_CERT, type Script, type ScriptedServer } from './helpers.js';

/**
 * HTTPS on loopback with the test certificate (test/fixtures/tls). A slow consumer shows whether a chunk it holds
 * stays intact: with `onread` under TLS it did not (see the constructor of src/http1/connection.ts).
 */

let server: ScriptedServer;
/** Servers opened by the current test, closed after it. */
const opened: ScriptedServer[] = [];
async function serveTls(script: Script): Promise<ScriptedServer> {
  const started = await startServer(script, { https: true });
  opened.push(started);
  return started;
}
let pool: Http1Pool;
beforeEach(() => {
  pool = makePool({ tls: { ca: TEST_CERT } });
});
afterEach(async () => {
  pool.close();
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

const EIGHT_MB = randomBytes(8 * 1024 * 1024);

it('reads 8 MB exactly in place with a slow consumer, then another answer on the same connection', async () => {
  server = await serveTls((request, socket) => socket.write(request.index === 0 ? ok(EIGHT_MB) : ok('again')));
  const answer = await pool.request(server.origin, get());
  expect(answer.statusCode).toBe(200);
  expect(await consumeSlowly(answer.body)).toMatchObject({ bytes: EIGHT_MB.byteLength, sha256: sha256(EIGHT_MB) });
  expect((await readAll((await pool.request(server.origin, get())).body)).toString()).toBe('again');
  expect(server.connections).toBe(1);
});

it('fails a body cut short by the server with ECONNRESET and the bytes missing', async () => {
  server = await serveTls((_, socket) => socket.end(response('200 OK', [['Content-Length', 300_000]], randomBytes(200_000))));
  const err = await rejection(consumeSlowly((await pool.request(server.origin, get())).body));
  expect(err).toMatchObject({ code: 'ECONNRESET', message: expect.stringMatching(/100000 of 300000 bytes missing/) });
});

it('sends a request again on a new connection when the server closed the kept one', async () => {
  server = await serveTls((request, socket) => (request.connection === 0 && request.index === 1 ? socket.end() : socket.write(ok('fine'))));
  expect((await readAll((await pool.request(server.origin, get())).body)).toString()).toBe('fine');
  expect((await readAll((await pool.request(server.origin, get())).body)).toString()).toBe('fine');
  expect(server.connections).toBe(2);
});

it('reads a chunked body exactly in place with a slow consumer', async () => {
  const data = randomBytes(2 * 1024 * 1024);
  server = await serveTls((_, socket) => socket.write(response('200 OK', [['Transfer-Encoding', 'chunked']], chunked(data, 100_000))));
  expect((await consumeSlowly((await pool.request(server.origin, get())).body)).sha256).toBe(sha256(data));
});

it('reads 8 MB exactly as a Readable', async () => {
  server = await serveTls((_, socket) => socket.write(ok(EIGHT_MB)));
  expect(sha256(await readAll((await pool.request(server.origin, get())).body))).toBe(sha256(EIGHT_MB));
});

it('connects by name (SNI, the certificate for localhost)', async () => {
  server = await serveTls((request, socket) => socket.write(ok(request.headers.host)));
  const answer = await pool.request({ ...server.origin, hostname: 'localhost' }, get());
  expect((await readAll(answer.body)).toString()).toBe(`localhost:${server.origin.port}`);
});

it('refuses a server whose certificate it does not trust', async () => {
  pool = makePool();
  server = await serveTls((_, socket) => socket.write(ok('x')));
  expect((await rejection(pool.request(server.origin, get()))).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
});
