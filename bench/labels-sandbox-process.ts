import { startSandbox, type SandboxOptions } from '../src/sandbox/index.js';

/**
 * The sandbox for `npm run bench -- labels`, in its own process (its CPU is not the measured process's):
 * prints `{ url, s3Endpoint }` once every object is written, serves until SIGTERM.
 */
const options = JSON.parse(process.argv[2] ?? '{}') as SandboxOptions;
const sandbox = await startSandbox(options);
process.stdout.write(`${JSON.stringify({ url: sandbox.url, s3Endpoint: sandbox.s3Endpoint })}\n`);
process.on('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
