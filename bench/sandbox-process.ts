import { startSandbox, type SandboxOptions } from '../sandbox/index.js';

/** The sandbox in its own process, so that serving pages does not take CPU or memory from what is measured. */
const options = JSON.parse(process.argv[2] ?? '{}') as SandboxOptions;
const sandbox = await startSandbox(options);
process.stdout.write(`${JSON.stringify({ url: sandbox.url })}\n`);
process.on('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
