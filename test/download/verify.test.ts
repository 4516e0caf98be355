import { createHash } from 'node:crypto';
import { checkDigests, Hashes, md5OfEtag, parseMultihash } from '../../src/download/verify.js';

const data = Buffer.from('stacflow downloads never lose a byte');
const hex = (algorithm: string) => createHash(algorithm).update(data).digest('hex');

describe('file:checksum multihashes', () => {
  it.each([
    ['sha2-256', `1220${hex('sha256')}`, 'sha256'],
    ['sha2-512', `1340${hex('sha512')}`, 'sha512'],
    ['sha1', `1114${hex('sha1')}`, 'sha1'],
    ['md5', `d50110${hex('md5')}`, 'md5'],
  ])('reads %s', (name, multihash, algorithm) => {
    const parsed = parseMultihash(multihash.toUpperCase());
    expect(parsed).toEqual({ ok: true, checksum: { multihash, name, algorithm, digest: hex(algorithm) } });
  });

  it('reports an unknown code instead of guessing', () => {
    const parsed = parseMultihash(`b220${hex('sha256')}`);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(/code 0x1032.*does not check/);
  });

  it('reports a digest of the wrong length and text that is not hex', () => {
    expect(parseMultihash(`1210${hex('md5')}`)).toEqual({ ok: false, reason: expect.stringContaining('a sha2-256 digest has 32 bytes') });
    expect(parseMultihash('xyz')).toEqual({ ok: false, reason: expect.stringContaining('not a hex multihash') });
  });
});

describe('ETags and hashes', () => {
  it('an ETag is an MD5 only when single-part (32 hex digits)', () => {
    expect(md5OfEtag('"0CC175B9C0F1B6A831C399E269772661"')).toBe('0cc175b9c0f1b6a831c399e269772661');
    expect(md5OfEtag('"0cc175b9c0f1b6a831c399e269772661-3"')).toBeUndefined();
    expect(md5OfEtag('W/"5f8c-1a2b"')).toBeUndefined();
    expect(md5OfEtag(undefined)).toBeUndefined();
  });

  it('computes MD5 and the checksum in one pass and says which differs', () => {
    const checksum = parseMultihash(`1220${hex('sha256')}`);
    if (!checksum.ok) throw new Error('unreachable');
    const hashes = new Hashes(hex('md5'), checksum.checksum);
    hashes.update(data.subarray(0, 5));
    hashes.update(data.subarray(5));
    const digests = hashes.digests();
    expect(digests).toEqual({ md5: hex('md5'), sha256: hex('sha256') });
    expect(checkDigests(digests, hex('md5'), checksum.checksum)).toBeUndefined();
    expect(checkDigests(digests, hex('sha1').slice(0, 32), checksum.checksum)).toMatch(/^MD5 .* differs from the ETag's/);
    expect(checkDigests({ ...digests, sha256: '00' }, hex('md5'), checksum.checksum)).toMatch(/^sha2-256 00 differs from file:checksum's/);
  });
});
