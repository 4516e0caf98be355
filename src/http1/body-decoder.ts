import { Http1ProtocolError, type ResponseHead } from './response-head.js';

/**
 * How a response's body is delimited (RFC 9112 §6.3), and a decoder that walks the body bytes as they arrive,
 * in pieces of any size, handing out the data as views of the input (no copies).
 */

export type Framing =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** Until the server closes the connection: the connection is not reused. */
  | { kind: 'close' };

export function bodyFraming(method: string, head: ResponseHead): Framing {
  const status = head.statusCode;
  if (method === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) return { kind: 'none' };
  const transferEncoding = head.headers['transfer-encoding'];
  if (transferEncoding !== undefined) {
    const codings = transferEncoding.split(',').map((c) => c.trim().toLowerCase());
    return codings.at(-1) === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  }
  const contentLength = head.headers['content-length'];
  if (contentLength === undefined) return { kind: 'close' };
  const values = new Set(contentLength.split(',').map((v) => v.trim()));
  const [value] = values;
  if (values.size !== 1 || !/^\d{1,15}$/.test(value)) throw new Http1ProtocolError(`invalid Content-Length: ${JSON.stringify(contentLength.slice(0, 40))}`);
  return { kind: 'length', length: Number(value) };
}

export interface DecodeStep {
  /** Bytes of the input this step used. */
  consumed: number;
  /** Body data found in them: a view of the input, valid as long as the input is. */
  data?: Uint8Array;
}

/** Longest chunk-size or trailer line accepted. */
const MAX_LINE = 4096;

export class BodyDecoder {
  private remaining: number;
  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done';
  private line = '';

  constructor(private readonly framing: Framing) {
    this.remaining = framing.kind === 'length' ? framing.length : 0;
    this.state = framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0) ? 'done' : framing.kind === 'chunked' ? 'size' : 'data';
  }

  /** True once the whole body has been seen. */
  get done(): boolean {
    return this.state === 'done';
  }

  /** Whether the connection can carry another request after this body (its end is known from the bytes). */
  get reusable(): boolean {
    return this.framing.kind !== 'close';
  }

  /** Walks some of `input` (call again with the rest until it is used up or `done`). */
  step(input: Uint8Array): DecodeStep {
    switch (this.state) {
      case 'done':
        return { consumed: 0 };
      case 'data': {
        if (this.framing.kind === 'close') return { consumed: input.byteLength, data: input };
        const n = Math.min(this.remaining, input.byteLength);
        this.remaining -= n;
        if (this.remaining === 0) this.state = this.framing.kind === 'chunked' ? 'data-end' : 'done';
        return { consumed: n, data: input.subarray(0, n) };
      }
      case 'size':
      case 'data-end':
      case 'trailer':
        return this.stepLine(input);
    }
  }

  /** The connection ended: fine for a body delimited by the close, an error for any other unfinished one. */
  end(): void {
    if (this.framing.kind === 'close') this.state = 'done';
    if (this.state !== 'done') {
      const left = this.framing.kind === 'length' ? ` (${this.remaining} of ${this.framing.length} bytes missing)` : '';
      throw Object.assign(new Error(`the connection closed before the end of the response body${left}`), { code: 'ECONNRESET' });
    }
  }

  /** Chunk-size lines, the CRLF after a chunk's data, trailer lines: all read up to a CRLF. */
  private stepLine(input: Uint8Array): DecodeStep {
    const lf = input.indexOf(0x0a);
    const take = lf < 0 ? input.byteLength : lf + 1;
    this.line += Buffer.from(input.buffer, input.byteOffset, take).toString('latin1');
    if (this.line.length > MAX_LINE) throw new Http1ProtocolError('a chunked-encoding line is too long');
    if (lf < 0) return { consumed: take };
    const line = this.line;
    this.line = '';
    if (!line.endsWith('\r\n')) throw new Http1ProtocolError('a chunked-encoding line does not end with CRLF');
    const content = line.slice(0, -2);
    if (this.state === 'data-end') {
      if (content !== '') throw new Http1ProtocolError('chunk data is longer than its size');
      this.state = 'size';
    } else if (this.state === 'size') {
      const size = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(content);
      if (!size) throw new Http1ProtocolError(`invalid chunk size line: ${JSON.stringify(content.slice(0, 40))}`);
      this.remaining = parseInt(size[1], 16);
      this.state = this.remaining === 0 ? 'trailer' : 'data';
    } else if (content === '') {
      this.state = 'done'; // the empty line after the trailers
    }
    return { consumed: take };
  }
}
