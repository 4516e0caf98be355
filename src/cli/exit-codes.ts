/** Exit codes: src/exit-codes.ts (the engine's and merge's too). */
export { EXIT } from '../exit-codes.js';
