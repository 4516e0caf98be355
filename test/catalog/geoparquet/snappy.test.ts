import { snappyUncompress } from 'hyparquet';
import { snappyCompress as hyparquetWriterSnappy } from 'hyparquet-writer/src/snappy.js';
import { snappyCompress } from '../../../src/catalog/geoparquet/snappy.js';

/** Decompressed by hyparquet (an independent decoder), which checks the stream's every tag and length. */
function roundTrip(input: Uint8Array): Uint8Array {
  const compressed = snappyCompress(input);
  const back = new Uint8Array(input.length);
  snappyUncompress(compressed, back);
  expect(Buffer.from(back).equals(Buffer.from(input))).toBe(true);
  return compressed;
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0) >>> 8) & 0xff;
}

const hrefs = (count: number): Uint8Array =>
  Buffer.concat(
    Array.from({ length: count }, (_, i) => {
      const id = `TC1S2B0_01_${String(7000 + ((i * 37) % 99_999)).padStart(5, '0')}N0${(i * 7) % 90}E${3000 + (i % 999)}`;
      return Buffer.from(`https://asc-pds-services.s3.us-west-2.amazonaws.com/kaguya/terrain_camera/monoscopic/${id}/${id}.tif`);
    }),
  );

test('short and empty inputs round-trip (literals only)', () => {
  for (const text of ['', 'a', 'abcd', 'fifteen bytes!!', 'sixteen bytes!!!']) roundTrip(Buffer.from(text));
});

test('repetitive text (hrefs of 130 bytes, several 64 KiB fragments) round-trips and shrinks as hyparquet-writer makes it', () => {
  const input = hrefs(5000); // ~650 KB
  const compressed = roundTrip(input);
  expect(compressed.length).toBeLessThan(input.length / 5);
  expect(compressed.length).toBeLessThan(hyparquetWriterSnappy(input).length * 1.05);
});

test('random bytes (a WKB footprint) round-trip, near their size', () => {
  const next = prng(7);
  const input = Uint8Array.from({ length: 200_000 }, next);
  expect(roundTrip(input).length).toBeLessThan(input.length * 1.01);
});

test('long runs and matches longer than 64 bytes, at fragment edges', () => {
  const next = prng(3);
  const parts: number[] = [];
  for (let block = 0; block < 40; block++) {
    const run = 1 + (next() % 200) * 40; // up to ~8 KB of one byte
    for (let i = 0; i < run; i++) parts.push(block);
    for (let i = 0; i < 1 + next(); i++) parts.push(next());
  }
  const input = Uint8Array.from(parts);
  expect(input.length).toBeGreaterThan(1 << 16);
  expect(roundTrip(input).length).toBeLessThan(input.length / 10);
});
