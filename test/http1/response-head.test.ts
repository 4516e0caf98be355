import { headEnd, Http1ProtocolError, MAX_HEAD_BYTES, parseResponseHead } from '../../src/http1/response-head.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const parse = (text: string) => parseResponseHead(bytes(text));

function refusal(text: string): Http1ProtocolError {
  let caught: unknown;
  try {
    parse(text);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(Http1ProtocolError);
  expect((caught as Http1ProtocolError).code).toBe('ERR_HTTP1_PROTOCOL');
  return caught as Http1ProtocolError;
}

describe('parseResponseHead', () => {
  it('reads the status line and the header fields, names folded to lower case, values trimmed', () => {
    const head = parse('HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nETag:"abc"\r\nX-Amz-Request-Id:   R1  \r\nX-Empty:\r\n\r\n');
    expect(head).toEqual({
      httpVersion: '1.1',
      statusCode: 206,
      reason: 'Partial Content',
      headers: { 'content-length': '10', etag: '"abc"', 'x-amz-request-id': 'R1', 'x-empty': '' },
    });
  });

  it('joins repeated fields with ", " whatever their case', () => {
    const head = parse('HTTP/1.1 200 OK\r\nVary: Origin\r\nvary: Accept\r\nVARY: Range\r\n\r\n');
    expect(head.headers).toEqual({ vary: 'Origin, Accept, Range' });
  });

  it('takes HTTP/1.0, a reason with spaces, and no reason at all', () => {
    expect(parse('HTTP/1.0 404 Not Found Here\r\n\r\n')).toMatchObject({ httpVersion: '1.0', statusCode: 404, reason: 'Not Found Here' });
    expect(parse('HTTP/1.1 204\r\n\r\n')).toMatchObject({ statusCode: 204, reason: '', headers: {} });
    expect(parse('HTTP/1.1 200 \r\n\r\n')).toMatchObject({ statusCode: 200, reason: '' });
  });

  it.each([
    ['HTTP/2 200 OK'],
    ['HTTP/1.2 200 OK'],
    ['http/1.1 200 OK'],
    ['HTTP/1.1 20 OK'],
    ['HTTP/1.1 2000 OK'],
    ['HTTP/1.1 200OK'],
    ['ICY 200 OK'],
    [''],
    ['<html>'],
  ])('refuses the status line %j', (line) => {
    expect(refusal(`${line}\r\nContent-Length: 0\r\n\r\n`).message).toMatch(/not an HTTP\/1\.x status line/);
  });

  it.each([
    ['a line without a colon', 'NoColon'],
    ['an empty field name', ': value'],
    ['obs-fold (a continuation line)', ' folded'],
    ['obs-fold with a tab', '\tfolded: x'],
    ['a space before the colon', 'Content-Length : 5'],
    ['a space inside the name', 'Content Length: 5'],
    ['a non-token name', 'Content(Length): 5'],
  ])('refuses %s', (_, line) => {
    expect(refusal(`HTTP/1.1 200 OK\r\nX-Before: 1\r\n${line}\r\n\r\n`).message).toMatch(/malformed header line/);
  });

  it.each([
    ['NUL', 'a\0b'],
    ['a bare CR', 'a\rb'],
    ['a bare LF', 'a\nb'],
  ])('refuses a value holding %s', (_, value) => {
    expect(refusal(`HTTP/1.1 200 OK\r\nX-Value: ${value}\r\n\r\n`).message).toMatch(/X-Value holds a control character/);
  });
});

describe('headEnd', () => {
  const head = 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n';
  const whole = bytes(`${head}body`);

  it('says -1 until CRLFCRLF has arrived, then the index just past it, for every prefix', () => {
    for (let length = 0; length <= whole.byteLength; length += 1) {
      expect([length, headEnd(whole.subarray(0, length))]).toEqual([length, length < head.length ? -1 : head.length]);
    }
  });

  it('counts from the start of a view into a larger buffer', () => {
    const larger = Buffer.concat([bytes('\r\n\r\nJUNK'), whole]);
    expect(headEnd(larger.subarray(8))).toBe(head.length);
    expect(headEnd(new Uint8Array(larger.buffer, larger.byteOffset + 8, 10))).toBe(-1);
  });

  it(`accepts a head of exactly ${MAX_HEAD_BYTES} bytes and refuses a longer one, complete or not`, () => {
    const headOf = (size: number) => {
      const start = 'HTTP/1.1 200 OK\r\nX-Pad: ';
      return bytes(`${start}${'a'.repeat(size - start.length - 4)}\r\n\r\n`);
    };
    expect(headEnd(headOf(MAX_HEAD_BYTES))).toBe(MAX_HEAD_BYTES);
    expect(() => headEnd(headOf(MAX_HEAD_BYTES + 1))).toThrow(Http1ProtocolError);
    const unfinished = headOf(MAX_HEAD_BYTES + 10).subarray(0, MAX_HEAD_BYTES + 1);
    expect(() => headEnd(unfinished)).toThrow(/longer than 65536 bytes/);
    expect(headEnd(unfinished.subarray(0, MAX_HEAD_BYTES))).toBe(-1);
  });
});
