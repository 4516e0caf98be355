import { connect } from 'node:net';
import { md5Etag } from './objects.js';
import { startHostileServer, type HostileServer, type ScenarioHandle } from './server.js';

// The hostile server itself: honest answers are correct S3 answers, hostile ones really are endless, and it
// stops itself (a connection's cap, close() with a pump running).

/** Sends `request` raw; resolves with what came back once `enough(bytes)` says so or the server closed. */
function exchange(server: HostileServer, request: string, enough: (size: number, all: () => Buffer) => boolean = () => false): Promise<{ data: Buffer; closedByServer: boolean; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let size = 0;
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      if (enough(size, () => Buffer.concat(chunks, size))) {
        socket.destroy();
        resolve({ data: Buffer.concat(chunks, size), closedByServer: false, ms: Date.now() - started });
      }
    });
    socket.on('end', () => resolve({ data: Buffer.concat(chunks, size), closedByServer: true, ms: Date.now() - started }));
    socket.write(request);
  });
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;

let server: HostileServer;
let self: ScenarioHandle;
beforeAll(async () => {
  server = await startHostileServer({ capMs: 1500 });
  self = server.scenario('self', {
    items: [
      { id: 'good', transport: 's3' },
      { id: 'endless', transport: 's3', label: 'endless-chunked' },
      { id: 'slow', transport: 's3', label: 'slow-head' },
      { id: 'zero', transport: 's3', label: 'status-000' },
    ],
  });
});
afterAll(async () => {
  await server.close();
});

test('answers an S3 GET honestly: the real label, its MD5 ETag and length; a range as 206', async () => {
  const label = self.object('good', 'label');
  const whole = await exchange(server, get('/hostile/self/good/good.caminfo.pvl'), (n, all) => n >= label.body.length + 100 && all().includes(label.body));
  const text = whole.data.toString('latin1');
  expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  expect(text).toContain(`ETag: ${md5Etag(label.body)}\r\n`);
  expect(text).toContain(`Content-Length: ${label.body.length}\r\n`);
  const part = await exchange(server, get('/hostile/self/good/good.caminfo.pvl', 'Range: bytes=10-19\r\n'), (n, all) => all().includes('\r\n\r\n') && n - all().indexOf('\r\n\r\n') - 4 >= 10);
  expect(part.data.toString('latin1')).toMatch(/^HTTP\/1\.1 206 Partial Content\r\n[\s\S]*Content-Range: bytes 10-19\/\d+\r\n[\s\S]*\r\n\r\n/);
  expect(part.data.subarray(part.data.indexOf('\r\n\r\n') + 4)).toEqual(label.body.subarray(10, 20));
});

test('an endless label really does not end (20 MiB read, still going)', async () => {
  const { data, closedByServer } = await exchange(server, get('/hostile/self/endless/endless.caminfo.pvl'), (n) => n > 20 * 1024 * 1024);
  expect(closedByServer).toBe(false);
  expect(data.subarray(0, 400).toString('latin1')).toContain('Transfer-Encoding: chunked\r\n');
});

test('status 000 is sent as such', async () => {
  const { data } = await exchange(server, get('/hostile/self/zero/zero.caminfo.pvl'));
  expect(data.toString('latin1')).toMatch(/^HTTP\/1\.1 000 OK\r\n/);
});

test('a connection never outlives the cap (1.5 s here), whatever its case is doing', async () => {
  const { data, closedByServer, ms } = await exchange(server, get('/hostile/self/slow/slow.caminfo.pvl'));
  expect(closedByServer).toBe(true);
  expect(ms).toBeLessThan(3000);
  expect(data.length).toBeLessThanOrEqual(2); // one byte a second
});

test('close() ends every connection, a running pump included', async () => {
  const other = await startHostileServer();
  other.scenario('self2', { items: [{ id: 'endless', transport: 's3', label: 'endless-close' }] });
  const reading = exchange(other, get('/hostile/self2/endless/endless.caminfo.pvl'));
  await new Promise((r) => setTimeout(r, 200));
  await other.close();
  const { closedByServer } = await reading.catch(() => ({ closedByServer: true }));
  expect(closedByServer).toBe(true);
});
