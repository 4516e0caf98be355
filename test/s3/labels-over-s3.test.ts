import { KiB } from '../../src/http/limits.js';
import { LabelError } from '../../src/labels/errors.js';
import { readLabelText, type LabelReader } from '../../src/labels/fetch.js';
import { closeS3Clients } from '../../src/s3/client.js';
import { TEST_LIMITS, testContext } from '../helpers/context.js';
import { ok, response, writeForever, type Script, type ScriptedServer, LABEL, serversPerTest } from './scripted-server.js';

/**
 * fetch_label's S3 path (src/labels/fetch.ts fromS3) against a hostile S3 stand-in: http.max_label_bytes is
 * enforced while the label is read (ERR_LABEL_TOO_LARGE, the limit named), and a label cut short is read again.
 */

const HREF = 'https://astrogeo-ard.s3-us-west-2.amazonaws.com/moon/kaguya/X/X.caminfo.pvl';

const serve = serversPerTest(closeS3Clients);

const readerFor = (s: ScriptedServer): LabelReader => {
  const ctx = testContext();
  return { http: ctx.http, s3: { region: 'us-west-2', anonymous: true, endpoint: s.endpoint, limits: { ...TEST_LIMITS, maxLabelBytes: 64 * KiB } }, signal: ctx.signal };
};

async function labelFailure(promise: Promise<unknown>): Promise<LabelError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(LabelError);
  return err as LabelError;
}

describe('a label over S3 larger than http.max_label_bytes', () => {
  it.each<[string, Script]>([
    ['an endless chunked body', (_, socket) => writeForever(socket, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', `2000\r\n${'A = 1\n'.repeat(1365)}AA\r\n`)],
    ['Content-Length: 999999999999999', (_, socket) => writeForever(socket, 'HTTP/1.1 200 OK\r\nContent-Length: 999999999999999\r\n\r\n', 'A = 1\n'.repeat(1000))],
  ])('%s fails its item with ERR_LABEL_TOO_LARGE, naming the href and the limit, read once', async (_, script) => {
    const s = await serve(script);
    const err = await labelFailure(readLabelText(HREF, readerFor(s)));
    expect(err).toMatchObject({ code: 'ERR_LABEL_TOO_LARGE', errorClass: 'item', href: HREF });
    expect(err.message).toContain(HREF);
    expect(err.message).toContain('http.max_label_bytes = 64 KiB');
    expect(s.requests).toHaveLength(1);
  });
});

it('a label cut short is read again from the start, and the whole one is parsed', async () => {
  const s = await serve((_, socket) => {
    if (s.requests.length === 1) socket.end(response('200 OK', [['Content-Length', LABEL.length], ['ETag', '"e"']], LABEL.subarray(0, 30)));
    else socket.write(ok(LABEL, [['ETag', '"e"']]));
  });
  const label = await readLabelText(HREF, readerFor(s));
  expect(label).toMatchObject({ text: LABEL.toString(), bytes: LABEL.length, etag: '"e"', fromCache: false });
  expect(s.requests).toHaveLength(2);
});
