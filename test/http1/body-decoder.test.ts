import { BodyDecoder, bodyFraming, type Framing } from '../../src/http1/body-decoder.js';
import { Http1ProtocolError, parseResponseHead, type ResponseHead } from '../../src/http1/response-head.js';

const head = (statusCode: number, headers: Record<string, string> = {}): ResponseHead => ({ httpVersion: '1.1', statusCode, reason: '', headers });
const bytes = (text: string) => Buffer.from(text, 'latin1');

/** Feeds `pieces` in order, each walked until used up or the body is done; returns the data and the bytes used. */
function feed(decoder: BodyDecoder, pieces: Uint8Array[]): { data: Buffer; consumed: number; done: boolean } {
  const data: Buffer[] = [];
  let consumed = 0;
  for (let piece of pieces) {
    while (piece.byteLength > 0 && !decoder.done) {
      const step = decoder.step(piece);
      expect(step.consumed).toBeGreaterThan(0);
      // A view of the input, not a copy: copy it out before the input is reused.
      if (step.data) {
        expect(step.data.buffer).toBe(piece.buffer);
        data.push(Buffer.from(step.data));
      }
      consumed += step.consumed;
      piece = piece.subarray(step.consumed);
    }
  }
  return { data: Buffer.concat(data), consumed, done: decoder.done };
}

const decode = (framing: Framing, pieces: Uint8Array[]) => feed(new BodyDecoder(framing), pieces);

const splitAt = (whole: Buffer, at: number) => [whole.subarray(0, at), whole.subarray(at)];
const byteByByte = (whole: Buffer) => [...whole].map((_, i) => whole.subarray(i, i + 1));

describe('bodyFraming', () => {
  it('gives no body to HEAD, 1xx, 204 and 304, whatever the fields say', () => {
    expect(bodyFraming('HEAD', head(200, { 'content-length': '1234' }))).toEqual({ kind: 'none' });
    expect(bodyFraming('HEAD', head(200, { 'transfer-encoding': 'chunked' }))).toEqual({ kind: 'none' });
    for (const status of [100, 103, 204, 304]) expect(bodyFraming('GET', head(status, { 'content-length': '5' }))).toEqual({ kind: 'none' });
  });

  it('reads Content-Length', () => {
    expect(bodyFraming('GET', head(200, { 'content-length': '1234' }))).toEqual({ kind: 'length', length: 1234 });
    expect(bodyFraming('GET', head(404, { 'content-length': '0' }))).toEqual({ kind: 'length', length: 0 });
    expect(bodyFraming('GET', head(200, { 'content-length': '999999999999999' }))).toEqual({ kind: 'length', length: 999999999999999 });
  });

  it('lets Transfer-Encoding: chunked win over Content-Length', () => {
    expect(bodyFraming('GET', head(200, { 'transfer-encoding': 'chunked', 'content-length': '10' }))).toEqual({ kind: 'chunked' });
    expect(bodyFraming('GET', head(200, { 'transfer-encoding': 'gzip, Chunked' }))).toEqual({ kind: 'chunked' });
  });

  it('reads to the close when the last transfer coding is not chunked', () => {
    expect(bodyFraming('GET', head(200, { 'transfer-encoding': 'gzip', 'content-length': '10' }))).toEqual({ kind: 'close' });
    expect(bodyFraming('GET', head(200, { 'transfer-encoding': 'chunked, gzip' }))).toEqual({ kind: 'close' });
  });

  it('reads to the close when nothing frames the body', () => {
    expect(bodyFraming('GET', head(200))).toEqual({ kind: 'close' });
  });

  it('takes a repeated Content-Length that agrees with itself', () => {
    const repeated = parseResponseHead(bytes('HTTP/1.1 200 OK\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\n'));
    expect(bodyFraming('GET', repeated)).toEqual({ kind: 'length', length: 7 });
  });

  it.each([['abc'], ['-1'], ['+5'], ['1.5'], [''], ['0x10'], ['1 2'], ['1234567890123456'], ['7, 8']])('refuses Content-Length %j', (value) => {
    expect(() => bodyFraming('GET', head(200, { 'content-length': value }))).toThrow(Http1ProtocolError);
  });

  it('refuses conflicting Content-Length fields', () => {
    const conflicting = parseResponseHead(bytes('HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n'));
    expect(() => bodyFraming('GET', conflicting)).toThrow(/invalid Content-Length: "7, 8"/);
  });
});

describe('BodyDecoder: chunked', () => {
  const data = bytes('hello, chunked world: 0123456789abcdefghijklmnopqrstuvwxyz');
  // Chunk extensions (with spaces before them), a size in upper case hex, trailers after the last chunk.
  const body = Buffer.concat([
    bytes('5;name=value\r\n'), data.subarray(0, 5), bytes('\r\n'),
    bytes('1A ;a;b="c d"\r\n'), data.subarray(5, 31), bytes('\r\n'),
    bytes(`${(data.byteLength - 31).toString(16)}\r\n`), data.subarray(31), bytes('\r\n'),
    bytes('0;last\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n'),
  ]);
  // What follows the body (the next answer) is never taken as part of it.
  const wire = Buffer.concat([body, bytes('HTTP/1.1 200 OK\r\n')]);

  it('decodes the body in one piece and stops at its end', () => {
    expect(decode({ kind: 'chunked' }, [wire])).toEqual({ data, consumed: body.byteLength, done: true });
  });

  it('decodes the same data when the input is split at every byte position', () => {
    for (let at = 0; at <= wire.byteLength; at += 1) {
      expect([at, decode({ kind: 'chunked' }, splitAt(wire, at))]).toEqual([at, { data, consumed: body.byteLength, done: true }]);
    }
  });

  it('decodes the same data fed one byte at a time', () => {
    expect(decode({ kind: 'chunked' }, byteByByte(wire))).toEqual({ data, consumed: body.byteLength, done: true });
  });

  it('is not done before the empty line after the trailers', () => {
    expect(decode({ kind: 'chunked' }, [body.subarray(0, body.byteLength - 2)]).done).toBe(false);
    expect(decode({ kind: 'chunked' }, [bytes('0\r\n\r\n')])).toEqual({ data: Buffer.alloc(0), consumed: 5, done: true });
  });

  it.each([
    ['a size that is not hex', 'zz\r\n'],
    ['an empty size', '\r\n'],
    ['a negative size', '-5\r\n'],
    ['a size of 13 hex digits', '1000000000000\r\n'],
    ['a size line ending with a bare LF', '5\nhello\r\n0\r\n\r\n'],
  ])('refuses %s', (_, text) => {
    expect(() => decode({ kind: 'chunked' }, [bytes(text)])).toThrow(Http1ProtocolError);
  });

  it('refuses chunk data not followed by CRLF, in one piece or byte by byte', () => {
    const wrong = bytes('5\r\nhelloX\r\n0\r\n\r\n');
    expect(() => decode({ kind: 'chunked' }, [wrong])).toThrow(/chunk data is longer than its size/);
    expect(() => decode({ kind: 'chunked' }, byteByByte(wrong))).toThrow(Http1ProtocolError);
  });

  it('refuses a line longer than 4 KiB', () => {
    expect(() => decode({ kind: 'chunked' }, [bytes(`5;${'x'.repeat(5000)}`)])).toThrow(/line is too long/);
  });
});

describe('BodyDecoder: Content-Length and close-delimited', () => {
  const data = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
  const wire = Buffer.concat([data, bytes('next answer')]);

  it('takes exactly Content-Length bytes, split at every position', () => {
    for (let at = 0; at <= wire.byteLength; at += 1) {
      expect([at, decode({ kind: 'length', length: data.byteLength }, splitAt(wire, at))]).toEqual([at, { data, consumed: data.byteLength, done: true }]);
    }
  });

  it('is done at once for no body or an empty one', () => {
    expect(new BodyDecoder({ kind: 'none' }).done).toBe(true);
    expect(new BodyDecoder({ kind: 'length', length: 0 }).done).toBe(true);
    expect(new BodyDecoder({ kind: 'none' }).step(bytes('x'))).toEqual({ consumed: 0 });
  });

  it('takes everything until the close, and is not reusable', () => {
    expect(decode({ kind: 'close' }, byteByByte(wire))).toEqual({ data: wire, consumed: wire.byteLength, done: false });
    expect(new BodyDecoder({ kind: 'close' }).reusable).toBe(false);
    expect(new BodyDecoder({ kind: 'chunked' }).reusable).toBe(true);
    expect(new BodyDecoder({ kind: 'length', length: 3 }).reusable).toBe(true);
  });
});

describe('BodyDecoder.end (the connection closed)', () => {
  function endError(decoder: BodyDecoder): Error & { code?: string } {
    try {
      decoder.end();
    } catch (err) {
      return err as Error & { code?: string };
    }
    throw new Error('end() did not throw');
  }

  it('fails a short Content-Length body with ECONNRESET, saying how many bytes are missing', () => {
    const decoder = new BodyDecoder({ kind: 'length', length: 10 });
    feed(decoder, [bytes('1234'), bytes('567')]);
    const err = endError(decoder);
    expect(err.code).toBe('ECONNRESET');
    expect(err.message).toMatch(/closed before the end of the response body \(3 of 10 bytes missing\)/);
  });

  it('fails an unfinished chunked body with ECONNRESET', () => {
    for (const cut of ['', '5\r\nhel', '5\r\nhello\r\n', '5\r\nhello\r\n0\r\n', '5\r\nhello\r\n0\r\nX-Trailer: 1\r\n']) {
      const decoder = new BodyDecoder({ kind: 'chunked' });
      expect(feed(decoder, [bytes(cut)]).done).toBe(false);
      expect([cut, endError(decoder).code]).toEqual([cut, 'ECONNRESET']);
    }
  });

  it('is the end of a close-delimited body, and fine after a complete one', () => {
    const close = new BodyDecoder({ kind: 'close' });
    feed(close, [bytes('anything')]);
    expect(() => close.end()).not.toThrow();
    expect(close.done).toBe(true);
    const length = new BodyDecoder({ kind: 'length', length: 3 });
    expect(feed(length, [bytes('abc')]).done).toBe(true);
    expect(() => length.end()).not.toThrow();
  });
});
