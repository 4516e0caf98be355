import { startSandbox, type SandboxOptions } from '../sandbox/index.js';

/**
 * The sandbox for `npm run bench -- labels`, in its own process (its CPU is not the measured process's):
 * prints `{ url, s3Endpoint }` once every label has been read once (with `memoryReads`, the first read of an
 * object renders it: no measured run should pay for that), serves until SIGTERM.
 */
const options = JSON.parse(process.argv[2] ?? '{}') as SandboxOptions;
const sandbox = await startSandbox(options);
const s3 = sandbox.s3!;
const keys = [...sandbox.catalog.entries()].map((e) => s3.key(e.id, 'caminfo_pvl'));
let next = 0;
await Promise.all(Array.from({ length: 16 }, async () => {
  while (next < keys.length) {
    const key = keys[next++]!;
    const response = await fetch(`${sandbox.s3Endpoint}/${s3.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`);
    if (response.status !== 200) throw new Error(`sandbox warm-up: GET ${key} answered ${response.status}`);
    await response.arrayBuffer();
  }
}));
// The request logs would hold every request of every run (headers and all): emptied as they go.
setInterval(() => s3.clearRequests(), 1000).unref();
s3.clearRequests();
process.stdout.write(`${JSON.stringify({ url: sandbox.url, s3Endpoint: sandbox.s3Endpoint })}\n`);
process.on('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
