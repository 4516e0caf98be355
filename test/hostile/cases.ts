import { Connection, chunk, head, type RawRequest } from './connection.js';
import { LABEL_FILLER, XML_FILLER } from './objects.js';
import type { StoredObject } from './scenario.js';

/**
 * How the hostile server answers an object, case by case, as an attacker or a broken proxy would. Each
 * function writes raw bytes and returns true when the response is complete (the connection may carry the next
 * request) or false when it holds the connection (until the client or the server's cap closes it).
 */

export type Flavour = 's3' | 'http';

const LAST_MODIFIED = 'Tue, 01 Jan 2008 00:00:00 GMT';

function objectHeaders(obj: StoredObject, flavour: Flavour): Array<[string, string | number]> {
  const headers: Array<[string, string | number]> = [
    ['Content-Type', obj.contentType],
    ['ETag', obj.etag],
    ['Last-Modified', LAST_MODIFIED],
    ['Accept-Ranges', 'bytes'],
  ];
  if (flavour === 's3') headers.push(['x-amz-request-id', 'HOSTILE0000000000']);
  return headers;
}

function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>HOSTILE0000000000</RequestId>`;
}

/** An error answer, small and whole (S3's XML or a line of text). */
export function errorAnswer(conn: Connection, req: RawRequest, status: string, code: string, message: string, flavour: Flavour): boolean {
  const body = Buffer.from(flavour === 's3' ? `${s3ErrorXml(code, message)}</Error>\n` : `${message}\n`);
  const type = flavour === 's3' ? 'application/xml' : 'text/plain';
  conn.write(head(status, [['Content-Type', type], ['Content-Length', req.method === 'HEAD' ? 0 : body.length]]));
  if (req.method !== 'HEAD') conn.write(body);
  return true;
}

/** The response a correct server sends: whole object, a range of it (206), 304 or 412 on conditions. */
function honestBytes(req: RawRequest, obj: StoredObject, flavour: Flavour): Buffer | undefined {
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined && ifMatch !== obj.etag && ifMatch !== '*') return undefined;
  if (req.headers['if-none-match'] === obj.etag) return Buffer.from(head('304 Not Modified', [['ETag', obj.etag]]));
  const headers = objectHeaders(obj, flavour);
  let status = '200 OK';
  let body = obj.body;
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    const end = range[2] === '' ? obj.body.length - 1 : Math.min(Number(range[2]), obj.body.length - 1);
    status = '206 Partial Content';
    body = obj.body.subarray(start, end + 1);
    headers.push(['Content-Range', `bytes ${start}-${end}/${obj.body.length}`]);
  }
  headers.push(['Content-Length', body.length]);
  return Buffer.concat([Buffer.from(head(status, headers)), req.method === 'HEAD' ? Buffer.alloc(0) : body]);
}

function honest(conn: Connection, req: RawRequest, obj: StoredObject, flavour: Flavour): boolean {
  const bytes = honestBytes(req, obj, flavour);
  if (!bytes) return errorAnswer(conn, req, '412 Precondition Failed', 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', flavour);
  conn.write(bytes);
  return true;
}

/** Answers `req` for `obj` as its case says. HEADs are answered honestly unless the case is about heads. */
export function answerObject(conn: Connection, req: RawRequest, obj: StoredObject, flavour: Flavour): boolean {
  const isHead = req.method === 'HEAD';
  // Endless bodies look like a label that goes on (for images, the bytes do not matter).
  const filler = LABEL_FILLER;
  switch (obj.case) {
    case 'good':
    case 'deep-label':
    case 'invalid-label':
      return honest(conn, req, obj, flavour);

    case 'endless-chunked':
      if (isHead) return honest(conn, req, obj, flavour);
      conn.write(head('200 OK', [...objectHeaders(obj, flavour), ['Transfer-Encoding', 'chunked']]));
      conn.pump(() => chunk(filler));
      return false;

    case 'endless-close':
      if (isHead) return honest(conn, req, obj, flavour);
      conn.write(head('200 OK', [...objectHeaders(obj, flavour), ['Connection', 'close']]));
      conn.pump(() => filler);
      return false;

    case 'huge-length':
      if (isHead) return honest(conn, req, obj, flavour);
      conn.write(head('200 OK', [...objectHeaders(obj, flavour), ['Content-Length', '999999999999999']]));
      conn.pump(() => filler);
      return false;

    case 'endless-404': {
      const type = flavour === 's3' ? 'application/xml' : 'text/html';
      if (isHead) {
        conn.write(head('404 Not Found', [['Content-Type', type], ['Content-Length', 0]]));
        return true;
      }
      conn.write(head('404 Not Found', [['Content-Type', type], ['Transfer-Encoding', 'chunked']]));
      conn.write(chunk(flavour === 's3' ? s3ErrorXml('NoSuchKey', 'The specified key does not exist.') : '<html><body>Not Found'));
      conn.pump(() => chunk(XML_FILLER));
      return false;
    }

    case 'endless-trailers': {
      if (isHead) return honest(conn, req, obj, flavour);
      conn.write(head('200 OK', [...objectHeaders(obj, flavour), ['Transfer-Encoding', 'chunked'], ['Trailer', 'X-Hostile']]));
      conn.write(chunk(obj.body));
      conn.write('0\r\n');
      const trailers = Buffer.from(Array.from({ length: 500 }, (_, i) => `X-Hostile-${i}: ${'t'.repeat(110)}\r\n`).join(''));
      conn.pump(() => trailers);
      return false;
    }

    case 'endless-continue': {
      const lines = 'HTTP/1.1 100 Continue\r\n\r\n'.repeat(500);
      // 20,000 interim answers a second: far more than any idle timer tolerates, never a final answer.
      conn.every(25, () => {
        if (conn.socket.writableLength < 1024 * 1024) conn.write(lines);
      });
      return false;
    }

    case 'slow-head': {
      const bytes = honestBytes(req, obj, flavour);
      if (!bytes) return honest(conn, req, obj, flavour);
      conn.trickle(bytes);
      return false;
    }

    case 'slow-body':
      if (isHead) return honest(conn, req, obj, flavour);
      conn.write(head('200 OK', [...objectHeaders(obj, flavour), ['Content-Length', obj.body.length]]));
      conn.trickle(obj.body);
      return false;

    case 'head-late-body': {
      if (!isHead) return honest(conn, req, obj, flavour);
      // The HEAD answered, then its "body" sent late on the same connection: a whole forged response that a
      // client reusing the connection for the next GET would take as that GET's answer.
      conn.write(head('200 OK', [...objectHeaders(obj, flavour), ['Content-Length', obj.body.length]]));
      conn.poisoned = true;
      conn.after(300, () => {
        conn.write(head('200 OK', [...objectHeaders(obj, flavour), ['Content-Length', obj.body.length]]));
        conn.write(Buffer.alloc(obj.body.length, 'X'));
      });
      return false;
    }

    case 'te-and-cl': {
      if (isHead) return honest(conn, req, obj, flavour);
      const half = Math.floor(obj.body.length / 2);
      conn.write(head('200 OK', [...objectHeaders(obj, flavour), ['Transfer-Encoding', 'chunked'], ['Content-Length', obj.body.length]]));
      conn.write(Buffer.concat([chunk(obj.body.subarray(0, half)), chunk(obj.body.subarray(half)), Buffer.from('0\r\n\r\n')]));
      conn.socket.end();
      return false;
    }

    case 'status-000':
    case 'status-099': {
      const status = obj.case === 'status-000' ? '000 OK' : '099 OK';
      conn.write(head(status, [...objectHeaders(obj, flavour), ['Content-Length', obj.body.length]]));
      if (!isHead) conn.write(obj.body);
      conn.socket.end();
      return false;
    }
  }
}
