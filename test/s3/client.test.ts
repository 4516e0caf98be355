import { DEFAULT_LIMITS } from '../../src/http/limits.js';
import { closeS3Clients, getObjectBytes, getObjectText, headObject, objectStream } from '../../src/s3/client.js';
import { s3ClientFor } from '../../src/s3/sdk-client.js';
import { S3HrefError, S3ObjectError } from '../../src/s3/errors.js';
import { parseS3Href } from '../../src/s3/href.js';
import { FORBIDDEN, MISSING, PRESENT, startS3Fixture, type S3Fixture } from './sandbox-s3.js';

let f: S3Fixture;
beforeAll(async () => {
  f = await startS3Fixture();
});
afterAll(async () => {
  closeS3Clients();
  await f.sandbox.close();
});
beforeEach(() => f.sandbox.s3!.clearRequests());

const caminfoHref = (entry = PRESENT) => f.item(entry).assets.caminfo_pvl.href;
const imageHref = (entry = PRESENT) => f.item(entry).assets.image.href;

async function rejection(promise: Promise<unknown>): Promise<S3ObjectError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(S3ObjectError);
  return err as S3ObjectError;
}

describe('getObjectText', () => {
  it('reads a caminfo label by its dash-region href (as the USGS items write it) from the endpoint', async () => {
    const href = caminfoHref();
    expect(href).toMatch(/^https:\/\/astrogeo-ard\.s3-us-west-2\.amazonaws\.com\/moon\/kaguya\/terrain_camera\/.+\.caminfo\.pvl$/);
    const read = await getObjectText(f.settings, href);
    const expected = f.sandbox.s3!.caminfo(PRESENT.id).text;
    expect(read.text).toBe(expected);
    expect(read.bytes).toBe(Buffer.byteLength(expected));
    expect(read.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(read.text).toContain(`From        = ${PRESENT.id}.l1.cub`);
    expect(f.sandbox.s3!.requests.map((r) => [r.method, r.bucket, r.key])).toEqual([['GET', 'astrogeo-ard', parseS3Href(href)!.key]]);
    expect(f.sandbox.s3!.requests[0].url).toMatch(/^\/astrogeo-ard\/moon\/kaguya\//); // path-style on the endpoint
  });

  it('reads the same object by s3:// and by a location', async () => {
    const location = parseS3Href(caminfoHref())!;
    const expected = f.sandbox.s3!.caminfo(PRESENT.id).text;
    expect((await getObjectText(f.settings, `s3://${location.bucket}/${location.key}`)).text).toBe(expected);
    expect((await getObjectText(f.settings, location)).text).toBe(expected);
  });

  it('answers notModified, without a body, when If-None-Match is the current ETag', async () => {
    const first = await getObjectText(f.settings, caminfoHref());
    const again = await getObjectText(f.settings, caminfoHref(), { ifNoneMatch: first.etag! });
    expect(again).toEqual({ notModified: true, etag: first.etag });
    const changed = await getObjectText(f.settings, caminfoHref(), { ifNoneMatch: '"0123456789abcdef0123456789abcdef"' });
    expect(changed).toMatchObject({ text: first.text, etag: first.etag });
  });

  it('fails a missing object with S3ObjectError: NoSuchKey, 404, the href, no data', async () => {
    const href = caminfoHref(MISSING);
    const err = await rejection(getObjectText(f.settings, href));
    expect(err).toMatchObject({
      code: 'ERR_S3_NOT_FOUND', errorClass: 'item', status: 404, s3Code: 'NoSuchKey', href,
      bucket: 'astrogeo-ard', key: parseS3Href(href)!.key, endpoint: f.sandbox.s3Endpoint,
    });
    expect(err).not.toHaveProperty('text');
    expect(err.message).toContain(href);
    expect(err.message).not.toContain('<Error>');
    expect(f.sandbox.s3!.requests).toHaveLength(1); // a 404 is not retried
  });

  it('fails a forbidden object with S3ObjectError: AccessDenied, 403, item class', async () => {
    const err = await rejection(getObjectText(f.settings, caminfoHref(FORBIDDEN)));
    expect(err).toMatchObject({ code: 'ERR_S3_ACCESS_DENIED', errorClass: 'item', status: 403, s3Code: 'AccessDenied' });
    expect(err.message).toContain('s3.anonymous: false');
  });

  it('refuses an object larger than maxBytes before reading it', async () => {
    const err = await rejection(getObjectText(f.settings, imageHref(), { maxBytes: 1000 }));
    expect(err).toMatchObject({ code: 'ERR_S3_TOO_LARGE', errorClass: 'item' });
    expect(err.message).toContain('more than the 1000 bytes read into memory');
  });

  it('throws S3HrefError for an href that is not an S3 object', async () => {
    await expect(getObjectText(f.settings, 'https://example.com/a.pvl')).rejects.toBeInstanceOf(S3HrefError);
    await expect(getObjectText(f.settings, 'https://example.com/a.pvl')).rejects.toMatchObject({ code: 'ERR_S3_HREF' });
  });

  it('rejects with the abort reason when the signal is aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('run cancelled');
    controller.abort(reason);
    await expect(getObjectText(f.settings, caminfoHref(), { signal: controller.signal })).rejects.toBe(reason);
  });
});

describe('S3 retries (one loop in the client; the SDK makes one attempt)', () => {
  const quick = () => ({ ...f.settings, limits: { ...DEFAULT_LIMITS, retries: 4, retryBaseDelayMs: 5, retryMaxDelayMs: 10 } });

  it('retries a 500 and then reads the object', async () => {
    f.sandbox.s3!.addFault({ match: PRESENT.id, status: 500, times: 1 });
    const read = await getObjectText(quick(), caminfoHref());
    expect(read.text).toBe(f.sandbox.s3!.caminfo(PRESENT.id).text);
    expect(f.sandbox.s3!.requests.map((r) => r.status)).toEqual([500, 200]);
  });

  it('gives up after http.retries retries with a retryable ERR_S3_UNAVAILABLE', async () => {
    f.sandbox.s3!.addFault({ match: `${PRESENT.id}/image`, status: 500, times: 5 });
    const err = await rejection(getObjectBytes(quick(), imageHref()));
    expect(err).toMatchObject({ code: 'ERR_S3_UNAVAILABLE', errorClass: 'retryable', status: 500, s3Code: 'InternalError', attempts: 5 });
    expect(f.sandbox.s3!.requests).toHaveLength(5);
  });

  it('retries a HEAD that failed with a 503', async () => {
    f.sandbox.s3!.addFault({ match: `${PRESENT.id}/image`, status: 503, times: 2 });
    expect((await headObject(quick(), imageHref())).size).toBe(f.sandbox.s3!.imageBytes);
    expect(f.sandbox.s3!.requests.map((r) => [r.method, r.status])).toEqual([['HEAD', 503], ['HEAD', 503], ['HEAD', 200]]);
  });

  it('does not retry a download body that fails (objectStream: the engine retries, resuming)', async () => {
    f.sandbox.s3!.addFault({ match: `${PRESENT.id}/image`, status: 500, times: 1 });
    expect(await rejection(objectStream(quick(), imageHref()))).toMatchObject({ code: 'ERR_S3_UNAVAILABLE', status: 500 });
    expect(f.sandbox.s3!.requests).toHaveLength(1);
  });
});

describe('getObjectBytes', () => {
  it('reads the image bytes exactly', async () => {
    const read = await getObjectBytes(f.settings, imageHref());
    expect(Buffer.from(read.body).equals(Buffer.from(f.sandbox.s3!.image(PRESENT.id)))).toBe(true);
  });
});

describe('headObject', () => {
  it('gives size, ETag and date without reading the object', async () => {
    const head = await headObject(f.settings, imageHref());
    const read = await getObjectBytes(f.settings, imageHref());
    expect(head.size).toBe(f.sandbox.s3!.imageBytes);
    expect(head.etag).toBe(read.etag);
    expect(head.lastModified).toBeInstanceOf(Date);
    expect(head.contentType).toBe('image/tiff');
    expect(f.sandbox.s3!.requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);
  });

  it('fails a missing object with ERR_S3_NOT_FOUND (a HEAD answer has no body: code NotFound)', async () => {
    const err = await rejection(headObject(f.settings, imageHref(MISSING)));
    expect(err).toMatchObject({ code: 'ERR_S3_NOT_FOUND', status: 404, s3Code: 'NotFound', errorClass: 'item' });
  });

  it('fails a forbidden object with ERR_S3_ACCESS_DENIED', async () => {
    expect(await rejection(headObject(f.settings, imageHref(FORBIDDEN)))).toMatchObject({ code: 'ERR_S3_ACCESS_DENIED', status: 403 });
  });
});

describe('objectStream', () => {
  const read = async (body: NodeJS.ReadableStream): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };

  it('streams a byte range with its Content-Range', async () => {
    const stream = await objectStream(f.settings, imageHref(), { range: { start: 100, end: 1123 } });
    const expected = Buffer.from(f.sandbox.s3!.image(PRESENT.id).subarray(100, 1124));
    expect(stream).toMatchObject({ partial: true, contentLength: 1024, contentRange: { start: 100, end: 1123, size: f.sandbox.s3!.imageBytes }, size: f.sandbox.s3!.imageBytes });
    expect((await read(stream.body)).equals(expected)).toBe(true);
    expect(f.sandbox.s3!.requests[0].headers.range).toBe('bytes=100-1123');
  });

  it('streams from an offset to the end (resuming a download)', async () => {
    const size = f.sandbox.s3!.imageBytes;
    const stream = await objectStream(f.settings, imageHref(), { range: { start: size - 10 } });
    expect(stream.contentRange).toEqual({ start: size - 10, end: size - 1, size });
    expect((await read(stream.body)).equals(Buffer.from(f.sandbox.s3!.image(PRESENT.id).subarray(size - 10)))).toBe(true);
  });

  it('streams the whole object without a range', async () => {
    const stream = await objectStream(f.settings, imageHref());
    expect(stream).toMatchObject({ partial: false, contentLength: f.sandbox.s3!.imageBytes, size: f.sandbox.s3!.imageBytes });
    expect((await read(stream.body)).equals(Buffer.from(f.sandbox.s3!.image(PRESENT.id)))).toBe(true);
  });

  it('fails with ERR_S3_CHANGED when If-Match is not the current ETag', async () => {
    const err = await rejection(objectStream(f.settings, imageHref(), { range: { start: 10 }, ifMatch: '"0123456789abcdef0123456789abcdef"' }));
    expect(err).toMatchObject({ code: 'ERR_S3_CHANGED', status: 412, errorClass: 'item' });
    const { etag } = await headObject(f.settings, imageHref());
    const stream = await objectStream(f.settings, imageHref(), { range: { start: 10 }, ifMatch: etag });
    expect((await read(stream.body)).length).toBe(f.sandbox.s3!.imageBytes - 10);
  });

  it('refuses ranges that are not byte ranges before sending anything', async () => {
    await expect(objectStream(f.settings, imageHref(), { range: { start: -5 } })).rejects.toBeInstanceOf(RangeError);
    await expect(objectStream(f.settings, imageHref(), { range: { start: 10, end: 9 } })).rejects.toBeInstanceOf(RangeError);
    expect(f.sandbox.s3!.requests).toHaveLength(0);
  });

  it('fails a range past the end with ERR_S3_REQUEST (InvalidRange, 416)', async () => {
    const err = await rejection(objectStream(f.settings, imageHref(), { range: { start: f.sandbox.s3!.imageBytes + 10 } }));
    expect(err).toMatchObject({ code: 'ERR_S3_REQUEST', status: 416, s3Code: 'InvalidRange' });
  });
});

describe('s3ClientFor', () => {
  it('keeps one client per (region, endpoint) and sends every endpoint request path-style', () => {
    const a = s3ClientFor(f.settings);
    expect(s3ClientFor({ ...f.settings }, 'eu-west-1')).toBe(a); // with an endpoint the href's region does not matter
    expect(s3ClientFor({ ...f.settings, endpoint: 'http://127.0.0.1:9' })).not.toBe(a);
    const aws = s3ClientFor({ region: 'us-west-2', anonymous: true });
    expect(s3ClientFor({ region: 'us-west-2', anonymous: true }, 'us-west-2')).toBe(aws);
    expect(s3ClientFor({ region: 'us-west-2', anonymous: true }, 'eu-west-1')).not.toBe(aws);
  });
});
