import { createHttpClient } from '../../src/http/client.js';
import { DEFAULT_LIMITS, type HttpLimits } from '../../src/http/limits.js';
import { LabelError } from '../../src/labels/errors.js';
import { readLabelText, type LabelReader } from '../../src/labels/fetch.js';
import { rawServer, whole, type RawServer } from '../http/raw-server.js';

/**
 * Plain-HTTP labels against hostile answers (raw TCP): the run's limits come with its got instance; a label
 * over http.max_label_bytes, stalled or cut short every time fails its item, with its code; one cut short once
 * is read again whole.
 */

const LIMITS: HttpLimits = Object.freeze({
  ...DEFAULT_LIMITS,
  maxLabelBytes: 64 * 1024,
  lowSpeedBytesPerSecond: 1000,
  lowSpeedTimeMs: 300,
  retries: 2,
  retryBaseDelayMs: 10,
  retryMaxDelayMs: 40,
});

let server: RawServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const reader = (): LabelReader => ({
  http: createHttpClient({ limits: LIMITS }),
  s3: { region: 'us-west-2', anonymous: true, endpoint: '' },
  signal: new AbortController().signal,
});

const LABEL = 'Object = Caminfo\n  Group = Geometry\n    IncidenceAngle = 42.5\n  End_Group\nEnd_Object\nEnd\n';

describe('a plain-HTTP label', () => {
  it.each([
    ['chunked', 'transfer-encoding: chunked', (n: number) => `${n.toString(16)}\r\n${'A'.repeat(n)}\r\n`],
    ['close-delimited', 'connection: close', (n: number) => 'A'.repeat(n)],
  ])('that never ends (%s) fails its item with ERR_LABEL_TOO_LARGE', async (_name, header, piece) => {
    server = await rawServer((_req, a) => {
      a.socket.write(`HTTP/1.1 200 OK\r\n${header}\r\n\r\n`);
      a.every(1, () => a.socket.write(piece(4096)));
    });
    const href = `${server.url}endless.pvl`;
    const started = Date.now();
    const err = await readLabelText(href, reader()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabelError);
    expect(err).toMatchObject({ code: 'ERR_LABEL_TOO_LARGE', href, errorClass: 'item' });
    expect((err as Error).message).toMatch(new RegExp(`^label ${href}: the body is larger than http\\.max_label_bytes = 64 KiB \\(\\d+ bytes read and more coming\\); not read`));
    expect(server.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('with Content-Length: 999999999999999 fails before its body is read', async () => {
    server = await rawServer((_req, a) => a.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 999999999999999\r\n\r\nAAAA'));
    const err = await readLabelText(`${server.url}huge.pvl`, reader()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_LABEL_TOO_LARGE' });
    expect((err as Error).message).toMatch(/\(Content-Length: 999999999999999\)/);
  });

  it('cut short once is read again, whole', async () => {
    server = await rawServer((req, a) => {
      if (req.index === 0) {
        a.socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${LABEL.length}\r\n\r\n${LABEL.slice(0, 20)}`);
        a.after(10, () => a.socket.destroy());
      } else {
        a.socket.write(whole(200, LABEL, { etag: '"v1"' }));
      }
    });
    const label = await readLabelText(`${server.url}cut.pvl`, reader());
    expect(label).toMatchObject({ text: LABEL, etag: '"v1"', bytes: LABEL.length });
    expect(server.requests).toHaveLength(2);
  });

  it('that stalls every time fails its item with ERR_LOW_SPEED after the retries', async () => {
    server = await rawServer((_req, a) => {
      a.socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${LABEL.length}\r\n\r\nObject`);
      a.every(1000, () => a.socket.write(' '));
    });
    const href = `${server.url}slow.pvl`;
    const err = await readLabelText(href, reader()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_LOW_SPEED', href, errorClass: 'item' });
    expect((err as Error).message).toMatch(new RegExp(`^label ${href} failed after 2 retries: body stalled`));
    expect(server.requests).toHaveLength(3);
  });

  it('answered 503 then 200 is read (the one retry loop)', async () => {
    server = await rawServer((req, a) => a.socket.write(req.index === 0 ? whole(503, '') : whole(200, LABEL)));
    expect((await readLabelText(`${server.url}flaky.pvl`, reader())).text).toBe(LABEL);
  });
});
