import { randomBytes } from 'node:crypto';
import { chunked, closedPort, consumeAll, get, ok, readAll, rejection, response, until, type Script, type ScriptedServer, scriptedTestBed } from './helpers.js';

/** Aborts, timeouts, refused connections and refused requests: each fails its request and leaves no connection open. */

const bed = scriptedTestBed();

const key = (s: ScriptedServer) => `http://127.0.0.1:${s.origin.port}`;
const silent: Script = () => undefined;

describe('abort', () => {
  it('rejects with an AbortError while waiting for the head, and closes the connection', async () => {
    const s = await bed.serve(silent);
    const controller = new AbortController();
    const pending = bed.pool.request(s.origin, get(), controller.signal);
    await until(() => s.requests.length === 1);
    controller.abort(new Error('the user pressed ^C'));
    const err = await rejection(pending);
    expect(err.name).toBe('AbortError');
    expect(err.message).toBe('the user pressed ^C');
    expect(bed.pool.openConnections()).toEqual({ [key(s)]: 0 });
    await until(() => s.open === 0);
    expect(s.connections).toBe(1); // not sent again
  });

  it('rejects at once when the signal was aborted before', async () => {
    const s = await bed.serve(silent);
    const err = await rejection(bed.pool.request(s.origin, get(), AbortSignal.abort()));
    expect(err.name).toBe('AbortError');
    expect(s.connections).toBe(0);
  });

  it('rejects consumeChunks when aborted while the body is read, and closes the connection', async () => {
    const s = await bed.serve((_, socket) => socket.write(response('200 OK', [['Content-Length', 10_000_000]], randomBytes(100_000))));
    const controller = new AbortController();
    const answer = await bed.pool.request(s.origin, get(), controller.signal);
    let chunks = 0;
    const consumed = answer.body.consumeChunks(async () => {
      chunks += 1;
      if (chunks === 1) setTimeout(() => controller.abort(), 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
    });
    expect((await rejection(consumed)).name).toBe('AbortError');
    expect(bed.pool.openConnections()).toEqual({ [key(s)]: 0 });
    await until(() => s.open === 0);
  });

  it('hands no chunk to the consumer after it aborted (chunked body, many chunks in one read)', async () => {
    const s = await bed.serve((_, socket) => socket.write(response('200 OK', [['Transfer-Encoding', 'chunked']], chunked(randomBytes(20_000), 100))));
    const controller = new AbortController();
    const answer = await bed.pool.request(s.origin, get(), controller.signal);
    let chunks = 0;
    const consumed = answer.body.consumeChunks(() => {
      chunks += 1;
      controller.abort();
    });
    expect((await rejection(consumed)).name).toBe('AbortError');
    expect(chunks).toBe(1);
  });

  it('errors the Readable when aborted while the body is read', async () => {
    const s = await bed.serve((_, socket) => socket.write(response('200 OK', [['Content-Length', 10_000_000]], randomBytes(100_000))));
    const controller = new AbortController();
    const answer = await bed.pool.request(s.origin, get(), controller.signal);
    answer.body.once('data', () => controller.abort());
    expect((await rejection(readAll(answer.body))).name).toBe('AbortError');
  });

  it('takes a waiting request out of the queue when it is aborted', async () => {
    bed.usePool({ maxConnectionsPerOrigin: 1 });
    let release = (): void => undefined;
    const s = await bed.serve((request, socket) => {
      if (request.index === 0) release = () => socket.write(ok('first'));
      else socket.write(ok('third'));
    });
    const first = bed.pool.request(s.origin, get());
    const controller = new AbortController();
    const second = bed.pool.request(s.origin, get('/second'), controller.signal);
    const third = bed.pool.request(s.origin, get('/third'));
    await until(() => s.requests.length === 1);
    controller.abort();
    expect((await rejection(second)).name).toBe('AbortError');
    release();
    expect((await readAll((await first).body)).toString()).toBe('first');
    expect((await readAll((await third).body)).toString()).toBe('third');
    expect(s.requests.map((r) => r.path)).toEqual(['/object', '/third']);
  });
});

describe('timeouts and refusals', () => {
  it('rejects with ETIMEDOUT when the server sends nothing for idleTimeoutMs', async () => {
    bed.usePool({ idleTimeoutMs: 200 });
    const s = await bed.serve(silent);
    const err = await rejection(bed.pool.request(s.origin, get()));
    expect(err.code).toBe('ETIMEDOUT');
    expect(err.message).toMatch(/no data from 127\.0\.0\.1:\d+ for 200 ms/);
    expect(bed.pool.openConnections()).toEqual({ [key(s)]: 0 });
  });

  it('fails a body that stalls with ETIMEDOUT', async () => {
    bed.usePool({ idleTimeoutMs: 200 });
    const s = await bed.serve((_, socket) => socket.write(response('200 OK', [['Content-Length', 1000]], 'some')));
    const answer = await bed.pool.request(s.origin, get());
    expect((await rejection(consumeAll(answer.body))).code).toBe('ETIMEDOUT');
  });

  it('rejects with ECONNREFUSED when nothing listens', async () => {
    const port = await closedPort();
    const err = await rejection(bed.pool.request({ protocol: 'http:', hostname: '127.0.0.1', port }, get()));
    expect(err.code).toBe('ECONNREFUSED');
    expect(bed.pool.openConnections()).toEqual({ [`http://127.0.0.1:${port}`]: 0 });
  });

  it.each([
    ['a header value with CR/LF', get('/object', { 'x-note': 'a\r\nx-injected: 1' })],
    ['a header value with a bare LF', get('/object', { 'x-note': 'a\nb' })],
    ['a header name that is not a token', get('/object', { 'x note': 'a' })],
    ['a path with a space', get('/a b')],
    ['a path that does not start with /', get('http://elsewhere/')],
  ])('refuses %s before anything is sent, and the pool goes on', async (_, request) => {
    bed.usePool({ maxConnectionsPerOrigin: 1 });
    const s = await bed.serve((_, socket) => socket.write(ok('fine')));
    expect((await rejection(bed.pool.request(s.origin, request))).message).toMatch(/invalid request (header|path)/);
    expect([s.connections, s.bytesReceived]).toEqual([0, 0]);
    // The refused request holds no connection: the only one allowed serves the next request.
    expect((await readAll((await bed.pool.request(s.origin, get())).body)).toString()).toBe('fine');
  });
});
