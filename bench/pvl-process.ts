import { benchPvl } from './pvl.js';

/** Runs the PVL benchmark (bench/pvl.ts) in its own process; prints its report as one JSON line. */
const text = await benchPvl();
process.stdout.write(`${JSON.stringify({ text })}\n`);
