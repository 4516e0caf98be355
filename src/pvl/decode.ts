import { isAscii } from 'node:buffer';

/**
 * Bytes → the text a PVL parser reads, as the Python pvl library's `pvl.load(path, encoding="utf-8")` does
 * (and as the conformance corpus is made):
 * - valid UTF-8: decoded, CR LF and lone CR turned into LF (Python's universal newlines);
 * - otherwise: the bytes before the first byte >= 0x80, as ASCII, line ends untouched. A label followed by
 *   binary data (an ISIS cube) keeps its label, which ends with END before the binary starts.
 */
export interface DecodedPvl {
  readonly text: string;
  readonly decoding: 'utf-8' | 'ascii-prefix';
}

// ignoreBOM keeps a leading U+FEFF in the text, as Python's 'utf-8' codec does.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decodePvlBytes(bytes: Uint8Array): DecodedPvl {
  let text: string;
  try {
    // ASCII (nearly every label) is its own UTF-8: checked and decoded by two native calls, no decoder state.
    text = isAscii(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1') : utf8.decode(bytes);
  } catch {
    let end = 0;
    while (end < bytes.length && bytes[end] < 0x80) end += 1;
    return { text: Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1'), decoding: 'ascii-prefix' };
  }
  return { text: text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text, decoding: 'utf-8' };
}
