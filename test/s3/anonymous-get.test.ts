import { objectUrl } from '../../src/s3/anonymous-get.js';

// The URL of an unsigned GET sent without the SDK: the same the SDK sends (virtual-hosted on AWS, path-style for
// dotted buckets and on an s3.endpoint), keys escaped per segment as RFC 3986 says.

const loc = (bucket: string, key: string, versionId?: string) => ({ bucket, key, ...(versionId ? { versionId } : {}) });

test('virtual-hosted on AWS, by region', () => {
  expect(objectUrl(loc('astrogeo-ard', 'moon/kaguya/a b/X.caminfo.pvl'), 'us-west-2', undefined)).toEqual({
    origin: 'https://astrogeo-ard.s3.us-west-2.amazonaws.com',
    path: '/moon/kaguya/a%20b/X.caminfo.pvl',
  });
  expect(objectUrl(loc('b', 'k'), 'us-east-1', undefined)).toEqual({ origin: 'https://b.s3.amazonaws.com', path: '/k' });
});

test('path-style for a bucket with dots (TLS cannot match a dotted virtual host)', () => {
  expect(objectUrl(loc('my.bucket', 'k'), 'eu-west-1', undefined)).toEqual({ origin: 'https://s3.eu-west-1.amazonaws.com', path: '/my.bucket/k' });
});

test('path-style on an s3.endpoint, with its path prefix, a version id, and !\'()* escaped', () => {
  expect(objectUrl(loc('bkt', "dir/it's (1)*!.pvl", 'v 1'), 'us-west-2', 'http://127.0.0.1:9000/prefix/')).toEqual({
    origin: 'http://127.0.0.1:9000',
    path: '/prefix/bkt/dir/it%27s%20%281%29%2A%21.pvl?versionId=v%201',
  });
});
