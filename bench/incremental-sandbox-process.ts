import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type SandboxOptions } from '../sandbox/index.js';

/**
 * The sandbox for `npm run bench -- incremental` (bench/incremental.ts), in its own process: its CPU is not
 * the measured run's. Every caminfo label is read once before it reports ready (with `memoryReads`, a first
 * read renders and writes the object: no measured run should pay for that). Prints `{ url, s3Endpoint,
 * control }`; `control` is a small HTTP server of its own, so the bench can ask between runs:
 *
 * - `POST /counts`: the requests received since the last call, by kind, and the sandbox's CPU ms; resets them.
 * - `POST /touch?count=N&at=<RFC 3339>`: ingests N items again stamped `at` (catalog-changes.ts); their new
 *   labels are read once, uncounted, as at startup; the next counts say how many label GETs were theirs.
 *
 * The request logs would hold every request of a 100,000-item run with its headers: they are tallied and
 * emptied every second.
 */
export interface RequestCounts {
  /** API: `/search` requests without a paging token (one a search), and all of them (pages). */
  searches: number;
  pages: number;
  /** API: any other request (landing page, conformance, queryables, collections). */
  apiOther: number;
  labelGets: number;
  /** Label GETs of distinct items touched by the last `/touch` (each counted once). */
  touchedLabelsRead: number;
  imageGets: number;
  heads: number;
  s3Other: number;
  sandboxCpuMs: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as SandboxOptions;
const sandbox = await startSandbox(options);
const s3 = sandbox.s3!;

const objectUrl = (key: string) => `${sandbox.s3Endpoint}/${s3.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
async function readOnce(keys: readonly string[]): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      const response = await fetch(objectUrl(key));
      if (response.status !== 200) throw new Error(`sandbox warm-up: GET ${key} answered ${response.status}`);
      await response.arrayBuffer();
    }
  }));
}
await readOnce([...sandbox.catalog.entries()].map((e) => s3.key(e.id, 'caminfo_pvl')));

const zero = (): Omit<RequestCounts, 'sandboxCpuMs'> => ({ searches: 0, pages: 0, apiOther: 0, labelGets: 0, touchedLabelsRead: 0, imageGets: 0, heads: 0, s3Other: 0 });
let counts = zero();
let touchedKeys = new Set<string>();
const touchedRead = new Set<string>();
let cpuSince = process.cpuUsage();

function tally(): void {
  for (const r of sandbox.requests) {
    if (r.path === '/search') {
      counts.pages += 1;
      const body = r.body as { next?: unknown } | undefined;
      if (r.query.next === undefined && body?.next === undefined) counts.searches += 1;
    } else counts.apiOther += 1;
  }
  for (const r of s3.requests) {
    const key = r.key ?? '';
    if (r.method === 'HEAD') counts.heads += 1;
    else if (r.method !== 'GET') counts.s3Other += 1;
    else if (key.endsWith('.caminfo.pvl')) {
      counts.labelGets += 1;
      if (touchedKeys.has(key)) touchedRead.add(key);
    } else if (key.endsWith('.tif')) counts.imageGets += 1;
    else counts.s3Other += 1;
  }
  sandbox.clearRequests();
  s3.clearRequests();
}
setInterval(tally, 1000).unref();

function takeCounts(): RequestCounts {
  tally();
  const used = process.cpuUsage(cpuSince);
  const result = { ...counts, touchedLabelsRead: touchedRead.size, sandboxCpuMs: Math.round((used.user + used.system) / 1000) };
  counts = zero();
  touchedRead.clear();
  cpuSince = process.cpuUsage();
  return result;
}

const control = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://control');
  const answer = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'POST' && url.pathname === '/counts') return answer(200, takeCounts());
  if (req.method === 'POST' && url.pathname === '/touch') {
    const count = Number(url.searchParams.get('count'));
    const at = url.searchParams.get('at') ?? undefined;
    sandbox.touchItems(count, at)
      .then(async (touched) => {
        const keys = touched.map((t) => s3.key(t.id, 'caminfo_pvl'));
        await readOnce(keys);
        takeCounts(); // the warm-up reads are not the next run's
        touchedKeys = new Set(keys);
        answer(200, { touched: touched.length });
      })
      .catch((err: unknown) => answer(500, { error: String(err) }));
    return;
  }
  answer(404, { error: `sandbox control: no ${req.method} ${url.pathname} (POST /counts, POST /touch?count=N&at=T)` });
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
takeCounts();
process.stdout.write(`${JSON.stringify({ url: sandbox.url, s3Endpoint: sandbox.s3Endpoint, control: `http://127.0.0.1:${(control.address() as AddressInfo).port}` })}\n`);
process.on('SIGTERM', () => void Promise.all([sandbox.close(), new Promise((resolve) => control.close(resolve))]).then(() => process.exit(0)));
