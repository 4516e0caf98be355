import { decodePvlBytes, parsePvlBytes } from '../../src/pvl/index.js';

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('decodePvlBytes', () => {
  it('decodes UTF-8 and turns CR LF and lone CR into LF', () => {
    expect(decodePvlBytes(bytes('A = "°"\r\nB = 1\rC = 2\n'))).toEqual({ text: 'A = "°"\nB = 1\nC = 2\n', decoding: 'utf-8' });
  });

  it('keeps a byte order mark, as Python does', () => {
    expect(decodePvlBytes(bytes([0xef, 0xbb, 0xbf], 'A = 1')).text).toBe('\ufeffA = 1');
  });

  it('keeps the ASCII before the first byte >= 0x80 when the bytes are not UTF-8 (a label then binary)', () => {
    const cube = bytes('Object = IsisCube\r\nEnd_Object\r\nEND\r\n', [0x00, 0x41, 0xff, 0xfe, 0x80, 0x41]);
    expect(decodePvlBytes(cube)).toEqual({ text: 'Object = IsisCube\r\nEnd_Object\r\nEND\r\n\u0000A', decoding: 'ascii-prefix' });
    expect(parsePvlBytes(cube).toCanonical()).toEqual({ module: [['IsisCube', { object: [] }]] });
  });

  it('cuts a Latin-1 label at its first non-ASCII byte', () => {
    expect(decodePvlBytes(bytes('NOTE = "5 ', [0xb0], ' C"'))).toEqual({ text: 'NOTE = "5 ', decoding: 'ascii-prefix' });
  });

  it('reads a Uint8Array view that does not start its buffer', () => {
    const whole = bytes('xxA = 1');
    expect(decodePvlBytes(whole.subarray(2)).text).toBe('A = 1');
    const latin = bytes('xxA = 1', [0xb0]);
    expect(decodePvlBytes(latin.subarray(2))).toEqual({ text: 'A = 1', decoding: 'ascii-prefix' });
  });
});
