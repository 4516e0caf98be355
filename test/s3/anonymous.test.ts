import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeS3Clients, getObjectText, headObject, objectStream, type ObjectStream } from '../../src/s3/client.js';

/** A loopback endpoint that answers every GET/HEAD with a small object and records the request headers. */
async function recordingEndpoint(): Promise<{ endpoint: string; seen: http.IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    const head = { 'content-type': 'text/plain', etag: '"5d41402abc4b2a76b9719d911017c592"', 'last-modified': new Date(0).toUTCString(), 'x-amz-server-side-encryption': 'AES256' };
    if (req.headers.range === 'bytes=1-3') {
      res.writeHead(206, { ...head, 'content-length': 3, 'content-range': 'bytes 1-3/5' });
      res.end('ell');
      return;
    }
    res.writeHead(200, { ...head, 'content-length': 5 });
    res.end(req.method === 'HEAD' ? undefined : 'hello');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

const HREF = 'https://astrogeo-ard.s3-us-west-2.amazonaws.com/moon/kaguya/terrain_camera/monoscopic/uncontrolled/X/X.caminfo.pvl';
const SIGNING_HEADERS = ['authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token'];
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', AWS_SESSION_TOKEN: 'session-token' };

describe('the anonymous S3 client', () => {
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    // Credentials in the environment must not be picked up by an anonymous client.
    for (const [name, value] of Object.entries(CREDENTIALS)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    closeS3Clients();
  });

  it('sends no Authorization, X-Amz-Date, X-Amz-Content-Sha256 or X-Amz-Security-Token header', async () => {
    const server = await recordingEndpoint();
    try {
      const settings = { region: 'us-west-2', anonymous: true, endpoint: server.endpoint };
      expect((await getObjectText(settings, HREF)).text).toBe('hello');
      expect((await headObject(settings, HREF)).size).toBe(5);
      expect(server.seen).toHaveLength(2);
      for (const headers of server.seen) {
        for (const name of SIGNING_HEADERS) expect(headers[name]).toBeUndefined();
        expect(headers['user-agent']).toMatch(/stacflow\/\d/);
        expect(headers['x-amz-checksum-mode']).toBeUndefined(); // responseChecksumValidation: WHEN_REQUIRED
      }
    } finally {
      await server.close();
    }
  });

  it('signs when s3.anonymous is false (so the test above would see a signature)', async () => {
    const server = await recordingEndpoint();
    try {
      await getObjectText({ region: 'us-west-2', anonymous: false, endpoint: server.endpoint }, HREF);
      expect(server.seen[0].authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
      expect(server.seen[0]['x-amz-security-token']).toBe('session-token');
    } finally {
      await server.close();
    }
  });

  // Public reads go straight over undici, signed ones through the AWS SDK: both must read a head and a ranged
  // body the same way.
  it.each([true, false])('anonymous %s: a HEAD and a ranged GET with If-Match read alike, signed only when not anonymous', async (anonymous) => {
    const server = await recordingEndpoint();
    try {
      const settings = { region: 'us-west-2', anonymous, endpoint: server.endpoint };
      expect(await headObject(settings, HREF)).toEqual({
        size: 5, etag: '"5d41402abc4b2a76b9719d911017c592"', lastModified: new Date(0), contentType: 'text/plain', serverSideEncryption: 'AES256', sseCustomerAlgorithm: undefined,
      });
      const stream: ObjectStream = await objectStream(settings, HREF, { range: { start: 1, end: 3 }, ifMatch: '"5d41402abc4b2a76b9719d911017c592"' });
      const chunks: Buffer[] = [];
      for await (const chunk of stream.body as AsyncIterable<Buffer>) chunks.push(chunk);
      expect(Buffer.concat(chunks).toString()).toBe('ell');
      expect({ ...stream, body: undefined }).toEqual({
        body: undefined, contentLength: 3, etag: '"5d41402abc4b2a76b9719d911017c592"', contentRange: { start: 1, end: 3, size: 5 }, size: 5, lastModified: new Date(0), partial: true,
      });
      const whole = await objectStream(settings, HREF);
      whole.body.resume();
      expect(whole).toMatchObject({ contentLength: 5, size: 5, partial: false });
      expect(server.seen.map((h) => [h.range, h['if-match']])).toEqual([[undefined, undefined], ['bytes=1-3', '"5d41402abc4b2a76b9719d911017c592"'], [undefined, undefined]]);
      for (const headers of server.seen) expect(headers.authorization === undefined).toBe(anonymous);
    } finally {
      await server.close();
    }
  });
});
