import { DEFAULT_LIMITS, KiB } from '../../src/http/limits.js';
import { LabelError } from '../../src/labels/errors.js';
import { readLabelText } from '../../src/labels/fetch.js';
import { closeS3Clients } from '../../src/s3/client.js';
import { testContext } from '../helpers/context.js';
import { startServer, type ScriptedServer } from '../s3/scripted-server.js';

/**
 * The run's cancellation reaches a label read that is under way over S3: the transport watches the run's signal
 * (src/s3/abort-watch.ts: one listener for all requests), so a request whose answer never comes ends when the
 * run is cancelled, not at http.head_timeout.
 */

const HREF = 'https://astrogeo-ard.s3-us-west-2.amazonaws.com/moon/kaguya/X/X.caminfo.pvl';

let server: ScriptedServer | undefined;
afterEach(async () => {
  closeS3Clients();
  await server?.close();
  server = undefined;
});

describe('a label read over S3 when the run is cancelled', () => {
  it('ends at once with the run\'s reason, the one request not retried', async () => {
    // The stand-in reads the request and never answers.
    server = await startServer(() => undefined);
    const run = new AbortController();
    const ctx = testContext();
    // Deadlines of a minute: only the cancellation can end the read within the test's time.
    const limits = { ...DEFAULT_LIMITS, maxLabelBytes: 64 * KiB };
    const reader = { http: ctx.http, s3: { region: 'us-west-2', anonymous: true, endpoint: server.endpoint, limits }, signal: run.signal };
    const reason = new Error('run cancelled');
    const started = Date.now();
    const read = readLabelText(HREF, reader).then(() => undefined, (err: unknown) => err);
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    run.abort(reason);
    const err = await read;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err).toBeInstanceOf(LabelError);
    expect((err as LabelError).cause).toBe(reason);
    expect(server.requests).toHaveLength(1);
  }, 15_000);
});
