import { decideTransfer, type LocalState } from '../../src/download/decide.js';
import type { RemoteHead } from '../../src/download/object-source.js';
import type { Sidecar } from '../../src/download/sidecar.js';

const HREF = 's3://b/k/x.tif';
const SETTINGS = { multipartThreshold: 1000, partSize: 300 };
const head = (over: Partial<RemoteHead> = {}): RemoteHead => ({ size: 900, etag: '"e1"', ranges: true, ...over });
const sidecar = (over: Partial<Sidecar> = {}): Sidecar => ({ stacflow_download: 1, state: 'complete', href: HREF, size: 900, etag: '"e1"', ...over });
const decide = (local: LocalState, h = head(), checksum?: string) => decideTransfer(HREF, checksum, h, local, SETTINGS);

describe('decideTransfer', () => {
  it('skips a file whose sidecar says the same href, size and ETag as the HEAD', () => {
    expect(decide({ final: { size: 900 }, sidecar: sidecar() })).toEqual({ action: 'skip' });
  });

  it.each([
    ['the ETag changed', { final: { size: 900 }, sidecar: sidecar({ etag: '"e0"' }) }],
    ['the file size differs', { final: { size: 899 }, sidecar: sidecar() }],
    ['another href', { final: { size: 900 }, sidecar: sidecar({ href: 's3://b/other' }) }],
    ['no sidecar', { final: { size: 900 } }],
    ['the file is gone', { sidecar: sidecar() }],
  ])('downloads again when %s', (_why, local) => {
    expect(decide(local as LocalState)).toEqual({ action: 'whole', from: 0 });
  });

  it('downloads again when the item now has another file:checksum', () => {
    expect(decide({ final: { size: 900 }, sidecar: sidecar({ checksum: '1220aa' }) }, head(), '1220bb')).toEqual({ action: 'whole', from: 0 });
  });

  it('resumes a .part of the same version from its length', () => {
    expect(decide({ part: { size: 400 }, sidecar: sidecar({ state: 'partial' }) })).toEqual({ action: 'whole', from: 400 });
  });

  it('starts over when the .part is of another version, or there is no ETag to hold it to', () => {
    expect(decide({ part: { size: 400 }, sidecar: sidecar({ state: 'partial', etag: '"e0"' }) })).toEqual({ action: 'whole', from: 0 });
    expect(decide({ part: { size: 400 }, sidecar: sidecar({ state: 'partial', etag: undefined }) }, head({ etag: undefined }))).toEqual({ action: 'whole', from: 0 });
  });

  it('fetches objects over the threshold in parts, and resumes the missing ones', () => {
    const big = head({ size: 2000 });
    expect(decide({}, big)).toEqual({ action: 'parts', partSize: 300, done: [] });
    const partial = sidecar({ state: 'partial', size: 2000, part_size: 500, parts_done: [2, 0, 9] });
    expect(decide({ part: { size: 2000 }, sidecar: partial }, big)).toEqual({ action: 'parts', partSize: 500, done: [0, 2] });
  });

  it('fetches in one stream when the server has no ranges or no ETag', () => {
    expect(decide({}, head({ size: 2000, ranges: false }))).toEqual({ action: 'whole', from: 0 });
    expect(decide({}, head({ size: 2000, etag: undefined }))).toEqual({ action: 'whole', from: 0 });
  });
});
