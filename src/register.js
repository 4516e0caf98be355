// Lets `node --import ./src/register.js file.ts` run the TypeScript sources directly (tsx's ESM loader).
import { register } from 'tsx/esm/api';
register();
