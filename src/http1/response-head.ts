/**
 * The head of an HTTP/1.1 response (status line and header fields), parsed from the bytes read so far.
 * Strict where leniency would let a broken or hostile answer pass for data: a malformed status line,
 * header line or an oversized head is an Http1ProtocolError, never a guess.
 */

/** Heads longer than this are refused (S3 sends about 1 KB; Node's own limit is 16 KB). */
export const MAX_HEAD_BYTES = 64 * 1024;

export interface ResponseHead {
  statusCode: number;
  reason: string;
  /** `1.1` or `1.0`. */
  httpVersion: string;
  /** Field names in lower case; repeated fields joined with `, ` (as Node's http does for most). */
  headers: Record<string, string>;
}

/** The server broke HTTP/1.1: the connection cannot be trusted for this answer, nor reused. */
export class Http1ProtocolError extends Error {
  readonly code = 'ERR_HTTP1_PROTOCOL';
  constructor(message: string) {
    super(message);
    this.name = 'Http1ProtocolError';
  }
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/(1\.[01]) (\d{3})(?: (.*))?$/;
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Where the head ends (the index just past CRLFCRLF) in `bytes`, or -1 when it has not all arrived. */
export function headEnd(bytes: Uint8Array): number {
  const at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(CRLFCRLF);
  if (at < 0) {
    if (bytes.byteLength > MAX_HEAD_BYTES) throw new Http1ProtocolError(`the response head is longer than ${MAX_HEAD_BYTES} bytes`);
    return -1;
  }
  if (at + 4 > MAX_HEAD_BYTES) throw new Http1ProtocolError(`the response head is longer than ${MAX_HEAD_BYTES} bytes`);
  return at + 4;
}

/** Parses a complete head (the bytes up to and including CRLFCRLF). */
export function parseResponseHead(bytes: Uint8Array): ResponseHead {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const lines = text.slice(0, text.length - 4).split('\r\n');
  const status = STATUS_LINE.exec(lines[0]);
  if (!status) throw new Http1ProtocolError(`not an HTTP/1.x status line: ${JSON.stringify(lines[0].slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!FIELD_NAME.test(name)) throw new Http1ProtocolError(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    const value = line.slice(colon + 1).trim();
    if (/[\0\r\n]/.test(value)) throw new Http1ProtocolError(`header ${name} holds a control character`);
    const key = name.toLowerCase();
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  }
  return { httpVersion: status[1], statusCode: Number(status[2]), reason: status[3] ?? '', headers };
}
