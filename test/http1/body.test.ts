import { randomBytes } from 'node:crypto';
import { Http1ProtocolError } from '../../src/http1/response-head.js';
import { chunked, consumeAll, consumeSlowly, get, ok, readAll, rejection, response, sha256, until, scriptedTestBed } from './helpers.js';

/** Answers read through the pool from a scripted loopback server: bodies as Readable and in place. */

const bed = scriptedTestBed();

const EIGHT_MB = randomBytes(8 * 1024 * 1024);

describe('a Content-Length body', () => {
  it('reads 8 MB exactly as a Readable', async () => {
    const { origin } = await bed.serve((_, socket) => socket.write(ok(EIGHT_MB)));
    const answer = await bed.pool.request(origin, get());
    expect(answer).toMatchObject({ statusCode: 200, reason: 'OK', httpVersion: '1.1', headers: { 'content-length': String(EIGHT_MB.byteLength) } });
    const body = await readAll(answer.body);
    expect(body.byteLength).toBe(EIGHT_MB.byteLength);
    expect(sha256(body)).toBe(sha256(EIGHT_MB));
  });

  it('reads 8 MB exactly in place with a slow consumer (the buffer is not reused while it holds a chunk)', async () => {
    const { origin } = await bed.serve((_, socket) => socket.write(ok(EIGHT_MB)));
    const answer = await bed.pool.request(origin, get());
    const read = await consumeSlowly(answer.body);
    expect(read).toMatchObject({ bytes: EIGHT_MB.byteLength, sha256: sha256(EIGHT_MB) });
    // Reads are as large as the buffer, not one per TCP segment.
    expect(read.chunks).toBeLessThan(EIGHT_MB.byteLength / 1024);
  });

  it('sends the request line and a Host with the port', async () => {
    const { origin, requests } = await bed.serve((_, socket) => socket.write(ok('x')));
    await readAll((await bed.pool.request(origin, get('/bucket/key?x-id=GetObject', { range: 'bytes=0-0', 'x-amz-date': 'D' }))).body);
    expect(requests[0]).toMatchObject({
      method: 'GET',
      path: '/bucket/key?x-id=GetObject',
      headers: { range: 'bytes=0-0', 'x-amz-date': 'D', host: `127.0.0.1:${origin.port}` },
    });
  });

  it('fails when the server closes before the end: consumeChunks rejects with ECONNRESET and the bytes missing', async () => {
    const { origin } = await bed.serve((_, socket) => {
      socket.write(response('200 OK', [['Content-Length', 100_000]], randomBytes(40_000)));
      socket.end();
    });
    const answer = await bed.pool.request(origin, get());
    const err = await rejection(consumeAll(answer.body));
    expect(err.code).toBe('ECONNRESET');
    expect(err.message).toMatch(/closed before the end of the response body \(60000 of 100000 bytes missing\)/);
    expect(bed.pool.openConnections()).toEqual({ [`http://127.0.0.1:${origin.port}`]: 0 });
  });

  it('fails when the server closes before the end: the Readable errors with ECONNRESET', async () => {
    const { origin } = await bed.serve((_, socket) => {
      socket.write(response('200 OK', [['Content-Length', 100_000]], randomBytes(40_000)));
      socket.end();
    });
    const answer = await bed.pool.request(origin, get());
    const err = await rejection(readAll(answer.body));
    expect(err.code).toBe('ECONNRESET');
    expect(err.message).toMatch(/60000 of 100000 bytes missing/);
    expect(answer.body.destroyed).toBe(true);
  });
});

describe('a chunked body', () => {
  const data = randomBytes(300_000);
  const wire = Buffer.concat([chunked(data, 7_000).subarray(0, -2), Buffer.from('X-Checksum: 1\r\n\r\n')]); // with a trailer

  it('arrives exact in place and as a Readable, and the connection is kept', async () => {
    const { origin } = await bed.serve((_, socket) => {
      socket.write(response('200 OK', [['Transfer-Encoding', 'chunked']]));
      // In several writes, so chunks straddle reads.
      for (let at = 0; at < wire.byteLength; at += 50_001) socket.write(wire.subarray(at, at + 50_001));
    });
    expect(sha256(await consumeAll((await bed.pool.request(origin, get())).body))).toBe(sha256(data));
    expect(sha256(await readAll((await bed.pool.request(origin, get())).body))).toBe(sha256(data));
    expect((await consumeSlowly((await bed.pool.request(origin, get())).body)).sha256).toBe(sha256(data));
    expect(bed.server.connections).toBe(1);
  });

  it('refuses a broken chunk with Http1ProtocolError and closes the connection', async () => {
    const { origin } = await bed.serve((_, socket) => socket.write(response('200 OK', [['Transfer-Encoding', 'chunked']], '5\r\nhelloWORLD\r\n0\r\n\r\n')));
    const answer = await bed.pool.request(origin, get());
    expect(await rejection(consumeAll(answer.body))).toBeInstanceOf(Http1ProtocolError);
    await until(() => bed.server.open === 0);
  });
});

describe('answers without a body', () => {
  it('completes a HEAD answer with a Content-Length at once and reuses the connection', async () => {
    const { origin } = await bed.serve((request, socket) => {
      socket.write(request.method === 'HEAD' ? response('200 OK', [['Content-Length', 123_456], ['ETag', '"e"']]) : ok('after'));
    });
    const head = await bed.pool.request(origin, { method: 'HEAD', path: '/object', headers: {} });
    expect(head).toMatchObject({ statusCode: 200, headers: { 'content-length': '123456', etag: '"e"' } });
    expect(await readAll(head.body)).toEqual(Buffer.alloc(0));
    const again = await bed.pool.request(origin, { method: 'HEAD', path: '/object', headers: {} });
    await again.body.consumeChunks(() => {
      throw new Error('a HEAD answer has no chunks');
    });
    expect((await readAll((await bed.pool.request(origin, get())).body)).toString()).toBe('after');
    expect(bed.server.connections).toBe(1);
    expect(bed.server.requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD', 'GET']);
  });

  it('completes 204 and 304 answers and reuses the connection', async () => {
    const { origin } = await bed.serve((request, socket) => socket.write(response(request.index === 0 ? '204 No Content' : '304 Not Modified', [['ETag', '"e"']])));
    expect((await bed.pool.request(origin, get())).statusCode).toBe(204);
    const notModified = await bed.pool.request(origin, get());
    expect(notModified.statusCode).toBe(304);
    expect(await consumeAll(notModified.body)).toEqual(Buffer.alloc(0));
    expect(bed.server.connections).toBe(1);
  });
});

describe('interim answers and broken heads', () => {
  it('skips 100 Continue and 103 Early Hints before the real answer, in one write or several', async () => {
    const { origin } = await bed.serve((request, socket) => {
      const interim = Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n');
      if (request.index === 0) socket.write(Buffer.concat([interim, ok('real answer')]));
      else {
        socket.write(interim.subarray(0, 30));
        setTimeout(() => socket.write(Buffer.concat([interim.subarray(30), ok('second answer')])), 5);
      }
    });
    const first = await bed.pool.request(origin, get());
    expect(first).toMatchObject({ statusCode: 200, headers: { 'content-length': '11' } });
    expect(first.headers.link).toBeUndefined();
    expect((await readAll(first.body)).toString()).toBe('real answer');
    expect((await readAll((await bed.pool.request(origin, get())).body)).toString()).toBe('second answer');
    expect(bed.server.connections).toBe(1);
  });

  it('rejects a malformed status line with Http1ProtocolError and closes the connection', async () => {
    const { origin } = await bed.serve((_, socket) => socket.write('HTTP/1.1 OK\r\nContent-Length: 0\r\n\r\n'));
    const err = await rejection(bed.pool.request(origin, get()));
    expect(err).toBeInstanceOf(Http1ProtocolError);
    expect(err.code).toBe('ERR_HTTP1_PROTOCOL');
    await until(() => bed.server.open === 0);
    expect(bed.server.connections).toBe(1); // bytes were received: not sent again
  });

  it('rejects a head that does not end within 64 KiB', async () => {
    const { origin } = await bed.serve((_, socket) => socket.write(`HTTP/1.1 200 OK\r\nX-Pad: ${'a'.repeat(70_000)}`));
    expect((await rejection(bed.pool.request(origin, get()))).message).toMatch(/longer than 65536 bytes/);
  });

  it('rejects a switch of protocols that was not asked for', async () => {
    const { origin } = await bed.serve((_, socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n'));
    expect(await rejection(bed.pool.request(origin, get()))).toBeInstanceOf(Http1ProtocolError);
  });
});
