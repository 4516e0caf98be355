import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { buildQueryString } from '@smithy/core/protocols';
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from '../../src/http/limits.js';
import { trustedCertificates } from '../../src/s3/ca-bundle.js';
import { queryString, S3HttpHandler, type SdkHttpRequest } from '../../src/s3/request-handler.js';
import { ok, readAll, rejection, response, startServer, until, type Script, type ScriptedServer } from './scripted-server.js';

/** The AWS SDK's transport over undici: the SDK builds, signs and parses; the handler only carries. */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const POOL = { limits: DEFAULT_LIMITS, keepAliveMs: 10_000, maxConnectionsPerOrigin: 4 };
const TEST_CA_FILE = fileURLToPath(new URL('../fixtures/tls/cert.pem', import.meta.url));

let server: ScriptedServer | undefined;
let handler: S3HttpHandler;
async function serve(script: Script, https = false): Promise<ScriptedServer> {
  server = await startServer(script, { https });
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

  it('passes the abort signal through, with its reason, and drops the connection', async () => {
    const carriers: net.Socket[] = [];
    const s = await serve((_, socket) => void carriers.push(socket));
    const controller = new AbortController();
    const pending = handler.handle(request({}), { abortSignal: controller.signal });
    await until(() => s.requests.length === 1);
    controller.abort();
    expect((await rejection(pending)).name).toBe('AbortError');
    const reason = new Error('the user pressed ^C');
    const again = new AbortController();
    const second = handler.handle(request({}), { abortSignal: again.signal });
    await until(() => s.requests.length === 2);
    again.abort(reason);
    expect(await rejection(second)).toBe(reason);
    await until(() => carriers.every((socket) => socket.destroyed));
  });

  it('destroys the body when the signal aborts while it is read, and drops its connection', async () => {
    let carrier: net.Socket | undefined;
    await serve((_, socket) => {
      carrier = socket;
      socket.write(response('200 OK', [['Content-Length', 10_000_000]], randomBytes(100_000)));
    });
    const controller = new AbortController();
    const { response: answer } = await handler.handle(request({}), { abortSignal: controller.signal });
    answer.body.once('data', () => controller.abort(new Error('run cancelled')));
    expect((await rejection(readAll(answer.body))).message).toBe('run cancelled');
    await until(() => carrier!.destroyed);
  });

  it('reads over HTTPS with the CA of AWS_CA_BUNDLE, and refuses a certificate it does not trust', async () => {
    const s = await serve((_, socket) => socket.write(ok('over tls')), true);
    const trusting = new S3HttpHandler({ ...POOL, ca: trustedCertificates({ AWS_CA_BUNDLE: TEST_CA_FILE }) });
    try {
      const tlsRequest = request({ protocol: 'https:', port: s.origin.port });
      const { response: answer } = await trusting.handle(tlsRequest);
      expect((await readAll(answer.body)).toString()).toBe('over tls');
      expect((await rejection(handler.handle(tlsRequest))).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/);
    } finally {
      trusting.destroy();
    }
  });

  it('fails at once, naming the file, when AWS_CA_BUNDLE cannot be read', () => {
    expect(() => trustedCertificates({ AWS_CA_BUNDLE: '/nonexistent/ca.pem' })).toThrow(expect.objectContaining({ code: 'ERR_S3_CA_BUNDLE', errorClass: 'fatal', message: expect.stringContaining('/nonexistent/ca.pem') }));
    expect(trustedCertificates({})).toBeUndefined();
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
      // undici hands a connection back a turn of the event loop after its answer ended (a request sent sooner opens another).
      await new Promise((resolve) => setImmediate(resolve));
    }
    const head = await c.send(new HeadObjectCommand({ Bucket: 'bucket', Key: 'dir/object.tif' }));
    expect(head).toMatchObject({ ContentLength: OBJECT.byteLength, ETag: '"etag"' });
    expect(s.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', '/bucket/dir/object.tif?x-id=GetObject'],
      ['GET', '/bucket/dir/object.tif?x-id=GetObject'],
      ['HEAD', '/bucket/dir/object.tif'],
    ]);
    expect(s.connections).toBe(1);
    // undici closes a connection after a HEAD (a body sent late would be read as the next answer): a new one.
    await new Promise((resolve) => setImmediate(resolve));
    await (await c.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'dir/object.tif' }))).Body!.transformToByteArray();
    expect(s.connections).toBe(2);
  });

  it("sends the SDK's fields and its Host", async () => {
    const s = await serve(s3);
    await (await clientFor(s).send(new GetObjectCommand({ Bucket: 'bucket', Key: 'k' }))).Body!.transformToByteArray();
    expect(s.requests[0].headers.host).toBe(`127.0.0.1:${s.origin.port}`);
    expect(s.requests[0].headers['x-amz-date']).toBeDefined();
  });
});
