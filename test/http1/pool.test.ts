import type { Http1Response } from '../../src/http1/connection.js';
import { consumeAll, get, ok, readAll, rejection, response, startServer, until, type Script, type ScriptedServer, scriptedTestBed } from './helpers.js';

/** Keep-alive, reuse, the retry of a request on a connection the server had closed, and the connection limit. */

const bed = scriptedTestBed();

const text = async (answer: Promise<Http1Response>) => (await readAll((await answer).body)).toString();
const key = (s: ScriptedServer) => `http://127.0.0.1:${s.origin.port}`;

describe('keep-alive', () => {
  it('carries 3 sequential requests on one connection', async () => {
    const { origin } = await bed.serve((request, socket) => socket.write(ok(`answer ${request.index}`)));
    expect(await text(bed.pool.request(origin, get()))).toBe('answer 0');
    expect(await text(bed.pool.request(origin, get()))).toBe('answer 1');
    expect((await consumeAll((await bed.pool.request(origin, get())).body)).toString()).toBe('answer 2');
    expect(bed.server.connections).toBe(1);
    expect(bed.server.requests.map((r) => [r.connection, r.index])).toEqual([[0, 0], [0, 1], [0, 2]]);
    expect(bed.pool.openConnections()).toEqual({ [key(bed.server)]: 1 });
  });

  it('opens a new connection after an answer with Connection: close', async () => {
    const { origin } = await bed.serve((request, socket) => socket.write(ok(`answer ${request.connection}`, request.connection === 0 ? [['Connection', 'close']] : [])));
    expect(await text(bed.pool.request(origin, get()))).toBe('answer 0');
    await until(() => bed.server.open === 0); // the client closed it without being told twice
    expect(await text(bed.pool.request(origin, get()))).toBe('answer 1');
    expect(bed.server.connections).toBe(2);
  });

  it('does not keep an HTTP/1.0 connection unless it says keep-alive', async () => {
    const { origin } = await bed.serve((request, socket) => {
      const keep = request.connection === 1;
      socket.write(Buffer.from(`HTTP/1.0 200 OK\r\nContent-Length: 2\r\n${keep ? 'Connection: Keep-Alive\r\n' : ''}\r\nok`));
    });
    await text(bed.pool.request(origin, get()));
    await text(bed.pool.request(origin, get()));
    await text(bed.pool.request(origin, get()));
    expect(bed.server.requests.map((r) => r.connection)).toEqual([0, 1, 1]);
  });

  it('does not reuse a connection that sent bytes after the end of a body', async () => {
    const { origin } = await bed.serve((request, socket) => socket.write(request.connection === 0 ? Buffer.concat([ok('first'), Buffer.from('HTTP/1.1 200 OK\r\n')]) : ok('second')));
    expect(await text(bed.pool.request(origin, get()))).toBe('first');
    expect(await text(bed.pool.request(origin, get()))).toBe('second');
    expect(bed.server.requests.map((r) => r.connection)).toEqual([0, 1]);
  });

  it('does not reuse a connection whose body was left unread', async () => {
    const { origin } = await bed.serve((request, socket) => socket.write(ok(`answer ${request.connection}`)));
    const unread = await bed.pool.request(origin, get());
    unread.body.destroy();
    expect(await text(bed.pool.request(origin, get()))).toBe('answer 1');
    expect(bed.server.connections).toBe(2);
  });
});

describe('a kept connection the server closed', () => {
  it.each<[string, Script]>([
    ['closes it (FIN) when the next request comes', (request, socket) => (request.index === 0 ? socket.write(ok('one')) : socket.end())],
    ['resets it when the next request comes', (request, socket) => (request.index === 0 ? socket.write(ok('one')) : socket.destroy())],
    ['closes it right after its first answer', (request, socket) => (request.connection === 0 ? socket.end(ok('one')) : socket.write(ok('two')))],
  ])('sends the request again once on a new connection when the server %s', async (_, script) => {
    const { origin } = await bed.serve((request, socket) => (request.connection === 0 ? script(request, socket) : socket.write(ok('two'))));
    expect(await text(bed.pool.request(origin, get()))).toBe('one');
    expect(await text(bed.pool.request(origin, get()))).toBe('two');
    expect(bed.server.connections).toBe(2);
  });

  it('does not send it a third time when the new connection fails too', async () => {
    const { origin } = await bed.serve((request, socket) => (request.connection === 0 && request.index === 0 ? socket.write(ok('one')) : socket.end()));
    expect(await text(bed.pool.request(origin, get()))).toBe('one');
    expect((await rejection(bed.pool.request(origin, get()))).code).toBe('ECONNRESET');
    expect(bed.server.connections).toBe(2);
  });

  it('does not send again a first request on a fresh connection closed without an answer', async () => {
    const { origin } = await bed.serve((_, socket) => socket.end());
    const err = await rejection(bed.pool.request(origin, get()));
    expect(err.code).toBe('ECONNRESET');
    expect(err.message).toMatch(/closed before any answer/);
    expect(bed.server.connections).toBe(1);
  });

  it('does not send again a request whose answer had begun', async () => {
    const { origin } = await bed.serve((request, socket) => (request.index === 0 ? socket.write(ok('one')) : socket.end('HTTP/1.1 200 OK\r\nContent-Le')));
    await text(bed.pool.request(origin, get()));
    const err = await rejection(bed.pool.request(origin, get()));
    expect(err).toMatchObject({ code: 'ECONNRESET', message: expect.stringMatching(/in the middle of the response head/) });
    expect(bed.server.connections).toBe(1);
  });
});

describe('the connection limit', () => {
  it('opens at most maxConnectionsPerOrigin connections; the other requests wait and all succeed', async () => {
    bed.usePool({ maxConnectionsPerOrigin: 2 });
    const { origin } = await bed.serve((request, socket) => {
      // Answer late, so the requests pile up.
      setTimeout(() => socket.write(ok(`answer ${request.path}`)), 10);
    });
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => text(bed.pool.request(origin, get(`/${n}`)))));
    expect(answers).toEqual([1, 2, 3, 4, 5, 6].map((n) => `answer /${n}`));
    expect(bed.server.maxOpen).toBe(2);
    expect(bed.server.connections).toBe(2);
    expect(bed.server.requests).toHaveLength(6);
  });

  it('keeps the limit per origin', async () => {
    bed.usePool({ maxConnectionsPerOrigin: 1 });
    const answer = (s: () => ScriptedServer) => (_: unknown, socket: import('node:net').Socket) => setTimeout(() => socket.write(ok(String(s().origin.port))), 10);
    const first = await startServer(answer(() => first));
    const second = await startServer(answer(() => second));
    try {
      const texts = await Promise.all([first, second, first, second].map((s) => text(bed.pool.request(s.origin, get()))));
      expect(texts).toEqual([first, second, first, second].map((s) => String(s.origin.port)));
      expect([first.maxOpen, second.maxOpen]).toEqual([1, 1]);
    } finally {
      bed.pool.close();
      await first.close();
      await second.close();
    }
  });

  it('hands a waiting request a new connection when a busy one closes', async () => {
    bed.usePool({ maxConnectionsPerOrigin: 1 });
    // The server may see the next connection before the close of the last: count on the client's side.
    const openSeen: number[] = [];
    const { origin } = await bed.serve((request, socket) => {
      openSeen.push(bed.pool.openConnections()[key(bed.server)]);
      socket.write(ok(`answer ${request.connection}`, [['Connection', 'close']]));
    });
    const answers = await Promise.all([1, 2, 3].map(() => text(bed.pool.request(origin, get()))));
    expect(answers).toEqual(['answer 0', 'answer 1', 'answer 2']);
    expect(openSeen).toEqual([1, 1, 1]);
  });
});

describe('close', () => {
  it('closes kept connections and fails the answers being read; the pool works again afterwards', async () => {
    const { origin } = await bed.serve((request, socket) => {
      if (request.path === '/endless') socket.write(response('200 OK', [['Content-Length', 1_000_000]], 'only the start'));
      else socket.write(ok('kept'));
    });
    await text(bed.pool.request(origin, get()));
    const reading = await bed.pool.request(origin, get('/endless'));
    const consumed = consumeAll(reading.body);
    expect(bed.pool.openConnections()).toEqual({ [key(bed.server)]: 1 });
    await text(bed.pool.request(origin, get()));
    expect(bed.pool.openConnections()).toEqual({ [key(bed.server)]: 2 });
    bed.pool.close();
    expect(bed.pool.openConnections()).toEqual({ [key(bed.server)]: 0 });
    expect(await rejection(consumed)).toMatchObject({ code: 'ECONNRESET', message: 'the client was closed' });
    await until(() => bed.server.open === 0);
    expect(await text(bed.pool.request(origin, get()))).toBe('kept');
  });

  it('closes an idle connection after keepAliveMs', async () => {
    bed.usePool({ keepAliveMs: 50 });
    const { origin } = await bed.serve((_, socket) => socket.write(ok('x')));
    await text(bed.pool.request(origin, get()));
    await until(() => bed.server.open === 0);
    expect(bed.pool.openConnections()).toEqual({ [key(bed.server)]: 0 });
  });
});
