import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { buildQueryString } from '@smithy/core/protocols';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { queryString, S3HttpHandler, type SdkHttpRequest } from '../../src/s3/request-handler.js';
import { ok, readAll, rejection, response, startServer, type Script, type ScriptedServer } from './helpers.js';

/** The AWS SDK's transport over src/http1: the SDK builds, signs and parses; the handler only carries. */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const POOL = { bufferSize: 64 * 1024, connectTimeoutMs: 5_000, idleTimeoutMs: 10_000, keepAliveMs: 10_000, maxConnectionsPerOrigin: 4 };

let server: ScriptedServer | undefined;
let handler: S3HttpHandler;
async function serve(script: Script): Promise<ScriptedServer> {
  server = await startServer(script);
  return server;
}
beforeEach(() => {
  handler = new S3HttpHandler(POOL);
});
afterEach(async () => {
  handler.destroy();
  await server?.close();
  server = undefined;
});

describe('queryString', () => {
  it.each<[string, Record<string, string | string[] | null>]>([
    ['the GetObject marker', { 'x-id': 'GetObject' }],
    ['RFC 3986 reserved characters, !\'()* included', { prefix: "a b/c!'()*~-_.&=+,;:@$#?%" }],
    ['non-ASCII text', { key: 'é/ü/日本' }],
    ['a key that needs escaping', { 'a b&c': 'v' }],
    ['an array', { tag: ['b', "a'1", 'c d'] }],
    ['a null value (a bare key)', { uploads: null }],
    ['an empty value', { versionId: '' }],
    ['several keys', { 'continuation-token': 'x+y=z/', delimiter: '/', 'list-type': '2', uploads: null }],
  ])("matches the SDK's own encoding for %s", (_, query) => {
    expect(queryString(query)).toBe(buildQueryString(query));
  });

  it('sorts the keys, as the SDK does', () => {
    const query = { 'x-id': 'GetObject', partNumber: '2' };
    expect(queryString(query)).toBe('partNumber=2&x-id=GetObject');
    expect(queryString(query)).toBe(buildQueryString(query));
  });
});

describe('S3HttpHandler', () => {
  const request = (overrides: Partial<SdkHttpRequest>): SdkHttpRequest => ({
    method: 'GET',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: server!.origin.port,
    path: '/bucket/key',
    headers: {},
    ...overrides,
  });

  it.each<[string, Partial<SdkHttpRequest>, RegExp]>([
    ['a PUT', { method: 'PUT' }, /only reads .*got PUT/],
    ['a POST', { method: 'POST' }, /only reads .*got POST/],
    ['a DELETE', { method: 'delete' }, /only reads .*got DELETE/],
    ['a GET with a body', { body: 'data' }, /only reads/],
    ['a GET with a byte body', { body: new Uint8Array([1]) }, /only reads/],
    ['a GET with a stream body', { body: Readable.from(['data']) }, /only reads/],
    ['another protocol', { protocol: 'ftp:' }, /unsupported protocol ftp:/],
  ])('refuses %s and sends nothing', async (_, overrides, message) => {
    const s = await serve((_, socket) => socket.write(ok('x')));
    expect((await rejection(handler.handle(request(overrides)))).message).toMatch(message);
    expect(s.connections).toBe(0);
  });

  it('carries a GET with its query and headers, and hands the body as a Readable', async () => {
    const s = await serve((_, socket) => socket.write(ok('the object', [['x-amz-request-id', 'R1']])));
    const { response } = await handler.handle(request({ query: { 'x-id': 'GetObject', prefix: 'a b' }, headers: { range: 'bytes=0-9' }, body: new Uint8Array(0) }));
    expect(response).toMatchObject({ statusCode: 200, reason: 'OK', headers: { 'x-amz-request-id': 'R1', 'content-length': '10' } });
    expect((await readAll(response.body)).toString()).toBe('the object');
    expect(s.requests[0]).toMatchObject({ method: 'GET', path: '/bucket/key?prefix=a%20b&x-id=GetObject', headers: { range: 'bytes=0-9' } });
  });

  it('passes the abort signal through', async () => {
    const s = await serve(() => undefined);
    const controller = new AbortController();
    const pending = handler.handle(request({}), { abortSignal: controller.signal });
    while (s.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect((await rejection(pending)).name).toBe('AbortError');
  });
});

describe('an S3Client built on S3HttpHandler', () => {
  const OBJECT = randomBytes(300_000);
  const NO_SUCH_KEY =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>' +
    '<Key>missing.tif</Key><RequestId>R404</RequestId><HostId>H</HostId></Error>';
  const s3: Script = (request, socket) => {
    const common: Array<[string, string | number]> = [['x-amz-request-id', 'R'], ['Last-Modified', new Date(0).toUTCString()]];
    if (request.path.startsWith('/bucket/missing.tif')) {
      socket.write(response('404 Not Found', [['Content-Type', 'application/xml'], ['Content-Length', Buffer.byteLength(NO_SUCH_KEY)], ...common], NO_SUCH_KEY));
    } else if (request.method === 'HEAD') {
      socket.write(response('200 OK', [['Content-Length', OBJECT.byteLength], ['ETag', '"etag"'], ...common]));
    } else {
      socket.write(response('200 OK', [['Content-Type', 'image/tiff'], ['ETag', '"etag"'], ['Transfer-Encoding', 'chunked'], ...common], chunkedBody(OBJECT)));
    }
  };
  const chunkedBody = (body: Buffer) => Buffer.concat([Buffer.from(`${body.byteLength.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);

  let client: S3Client;
  afterEach(() => client?.destroy());
  const clientFor = (s: ScriptedServer) => {
    client = new S3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${s.origin.port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      maxAttempts: 1,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: new S3HttpHandler(POOL),
    });
    return client;
  };

  it("throws NoSuchKey for S3's 404 (the SDK read the error body through the handler)", async () => {
    const s = await serve(s3);
    const err = (await rejection(clientFor(s).send(new GetObjectCommand({ Bucket: 'bucket', Key: 'missing.tif' })))) as Error & { $metadata?: { httpStatusCode?: number; requestId?: string } };
    expect(err.name).toBe('NoSuchKey');
    expect(err.message).toBe('The specified key does not exist.');
    expect(err.$metadata).toMatchObject({ httpStatusCode: 404, requestId: 'R' }); // the id from the header
    expect(s.requests[0]).toMatchObject({ method: 'GET', path: '/bucket/missing.tif?x-id=GetObject' });
    expect(s.requests[0].headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\//);
  });

  it('gives the object bytes through Body.transformToByteArray(), on a kept connection', async () => {
    const s = await serve(s3);
    const c = clientFor(s);
    for (let n = 0; n < 2; n += 1) {
      const answer = await c.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'dir/object.tif' }));
      expect(answer).toMatchObject({ ContentType: 'image/tiff', ETag: '"etag"' });
      expect(Buffer.from(await answer.Body!.transformToByteArray()).equals(OBJECT)).toBe(true);
    }
    const head = await c.send(new HeadObjectCommand({ Bucket: 'bucket', Key: 'dir/object.tif' }));
    expect(head).toMatchObject({ ContentLength: OBJECT.byteLength, ETag: '"etag"' });
    expect(s.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', '/bucket/dir/object.tif?x-id=GetObject'],
      ['GET', '/bucket/dir/object.tif?x-id=GetObject'],
      ['HEAD', '/bucket/dir/object.tif'],
    ]);
    expect(s.connections).toBe(1);
  });

  it("sends the SDK's fields and a Host, nothing of Node's http", async () => {
    const s = await serve(s3);
    await (await clientFor(s).send(new GetObjectCommand({ Bucket: 'bucket', Key: 'k' }))).Body!.transformToByteArray();
    // Node's http would send `Connection: keep-alive`; src/http1 sends only the SDK's fields and a Host.
    expect(s.requests[0].headers.connection).toBeUndefined();
    expect(s.requests[0].headers.host).toBe(`127.0.0.1:${s.origin.port}`);
  });
});
