import { readdirSync, readFileSync } from 'node:fs';
import { isS3Href, parseS3Href, s3Uri, type S3Location } from '../../src/s3/href.js';

const KEY = 'moon/kaguya/terrain_camera/monoscopic/uncontrolled/TC1S2B0_01_07496N087E3020/TC1S2B0_01_07496N087E3020.caminfo.pvl';

describe('parseS3Href', () => {
  const forms: Array<[string, string, S3Location]> = [
    ['virtual-hosted with region', `https://astrogeo-ard.s3.us-west-2.amazonaws.com/${KEY}`, { bucket: 'astrogeo-ard', key: KEY, region: 'us-west-2' }],
    ['virtual-hosted, dash region (the USGS items)', `https://astrogeo-ard.s3-us-west-2.amazonaws.com/${KEY}`, { bucket: 'astrogeo-ard', key: KEY, region: 'us-west-2' }],
    ['virtual-hosted, global endpoint', `https://astrogeo-ard.s3.amazonaws.com/${KEY}`, { bucket: 'astrogeo-ard', key: KEY }],
    ['virtual-hosted, dualstack', `https://astrogeo-ard.s3.dualstack.eu-central-1.amazonaws.com/${KEY}`, { bucket: 'astrogeo-ard', key: KEY, region: 'eu-central-1' }],
    ['virtual-hosted, bucket with dots', 'https://my.data.bucket.s3.us-east-2.amazonaws.com/a/b.tif', { bucket: 'my.data.bucket', key: 'a/b.tif', region: 'us-east-2' }],
    ['virtual-hosted, GovCloud region', 'https://b1.s3.us-gov-west-1.amazonaws.com/k', { bucket: 'b1', key: 'k', region: 'us-gov-west-1' }],
    ['virtual-hosted, China', 'https://b1.s3.cn-north-1.amazonaws.com.cn/k', { bucket: 'b1', key: 'k', region: 'cn-north-1' }],
    ['virtual-hosted over http', `http://astrogeo-ard.s3-us-west-2.amazonaws.com/${KEY}`, { bucket: 'astrogeo-ard', key: KEY, region: 'us-west-2' }],
    ['path-style with region', `https://s3.us-west-2.amazonaws.com/astrogeo-ard/${KEY}`, { bucket: 'astrogeo-ard', key: KEY, region: 'us-west-2' }],
    ['path-style, dash region', `https://s3-us-west-2.amazonaws.com/astrogeo-ard/${KEY}`, { bucket: 'astrogeo-ard', key: KEY, region: 'us-west-2' }],
    ['path-style, global', `https://s3.amazonaws.com/astrogeo-ard/${KEY}`, { bucket: 'astrogeo-ard', key: KEY }],
    ['path-style, s3-external-1 (us-east-1)', 'https://s3-external-1.amazonaws.com/b1/k', { bucket: 'b1', key: 'k', region: 'us-east-1' }],
    ['s3:// URI', `s3://astrogeo-ard/${KEY}`, { bucket: 'astrogeo-ard', key: KEY }],
    ['upper-case host and scheme', `HTTPS://ASTROGEO-ARD.S3-US-WEST-2.AMAZONAWS.COM/${KEY}`, { bucket: 'astrogeo-ard', key: KEY, region: 'us-west-2' }],
    ['host with port', 'https://b1.s3.us-west-2.amazonaws.com:443/k', { bucket: 'b1', key: 'k', region: 'us-west-2' }],
    ['versionId query', 'https://b1.s3.amazonaws.com/k?versionId=3HL4kqtJlcpXroDTDmJ', { bucket: 'b1', key: 'k', versionId: '3HL4kqtJlcpXroDTDmJ' }],
    ['fragment ignored', 'https://b1.s3.amazonaws.com/k#part', { bucket: 'b1', key: 'k' }],
  ];
  it.each(forms)('maps %s', (_name, href, expected) => {
    expect(parseS3Href(href)).toEqual(expected);
  });

  const keys: Array<[string, string, string]> = [
    ['%20 is a space', 'https://b1.s3.amazonaws.com/a%20b.tif', 'a b.tif'],
    ['decoded once: %2520 stays %20', 'https://b1.s3.amazonaws.com/a%2520b.tif', 'a%20b.tif'],
    ['%2F is a slash in the key', 'https://b1.s3.amazonaws.com/a%2Fb.tif', 'a/b.tif'],
    ['+ stays + (not a space in a path)', 'https://b1.s3.amazonaws.com/a+b.tif', 'a+b.tif'],
    ['. and .. segments are kept (valid in keys)', 'https://b1.s3.amazonaws.com/a/../b/./c', 'a/../b/./c'],
    ['doubled slashes are kept', 'https://b1.s3.amazonaws.com/a//b', 'a//b'],
    ['s3:// decodes too', 's3://b1/dir/a%20b', 'dir/a b'],
    ['path-style decodes the key once', 'https://s3.us-west-2.amazonaws.com/b1/x%2520y', 'x%20y'],
    ['UTF-8 escapes', 'https://b1.s3.amazonaws.com/caf%C3%A9.pvl', 'café.pvl'],
  ];
  it.each(keys)('keys: %s', (_name, href, key) => {
    expect(parseS3Href(href)?.key).toBe(key);
  });

  const others: Array<[string, string]> = [
    ['a plain https URL', 'https://example.com/astrogeo-ard/k.pvl'],
    ['the STAC API', 'https://stac.astrogeology.usgs.gov/api/collections/x/items/y'],
    ['a host that only contains amazonaws.com', 'https://b1.s3.us-west-2.amazonaws.com.evil.example/k'],
    ['the S3 website endpoint', 'http://b1.s3-website-us-west-2.amazonaws.com/k'],
    ['an access point host', 'https://ap-111122223333.s3-accesspoint.us-west-2.amazonaws.com/k'],
    ['a bucket without key', 'https://b1.s3.amazonaws.com/'],
    ['path-style without key', 'https://s3.amazonaws.com/b1'],
    ['path-style with empty key', 'https://s3.amazonaws.com/b1/'],
    ['s3:// without key', 's3://b1'],
    ['s3:// without bucket', 's3:///k'],
    ['a presigned URL (its signature is the access)', 'https://b1.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc'],
    ['a presigned v2 URL', 'https://b1.s3.amazonaws.com/k?AWSAccessKeyId=A&Expires=1&Signature=abc'],
    ['broken %-escapes', 'https://b1.s3.amazonaws.com/a%zzb'],
    ['user info in the authority', 'https://user@b1.s3.amazonaws.com/k'],
    ['a file URL', 'file:///tmp/k.pvl'],
    ['a relative href', 'k.pvl'],
    ['an empty string', ''],
    ['gs://', 'gs://b1/k'],
  ];
  it.each(others)('returns undefined for %s', (_name, href) => {
    expect(parseS3Href(href)).toBeUndefined();
    expect(isS3Href(href)).toBe(false);
  });

  it('maps every S3 asset href of the real USGS items and none of their API links', () => {
    const folder = new URL('../fixtures/usgs/stac/', import.meta.url);
    const hrefs = readdirSync(folder).filter((f) => f.endsWith('.json'))
      .flatMap((f) => [...readFileSync(new URL(f, folder), 'utf8').matchAll(/"href":\s*"([^"]+)"/g)].map((m) => m[1]));
    const s3 = hrefs.filter((h) => h.includes('.s3-us-west-2.amazonaws.com/'));
    expect(s3.length).toBeGreaterThanOrEqual(28);
    for (const href of s3) {
      const location = parseS3Href(href);
      expect(location).toEqual({ bucket: 'astrogeo-ard', key: href.split('.amazonaws.com/')[1], region: 'us-west-2' });
      expect(location!.key).toMatch(/^(moon|mars)\//);
    }
    for (const href of hrefs.filter((h) => !s3.includes(h))) expect(parseS3Href(href)).toBeUndefined();
  });
});

describe('s3Uri', () => {
  it('writes s3://bucket/key with the key as is', () => {
    expect(s3Uri({ bucket: 'b1', key: 'a b/c', region: 'us-west-2' })).toBe('s3://b1/a b/c');
  });
});
