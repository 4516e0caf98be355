import { describeLabelCases } from './label-cases.js';
import { removeWorkspaces } from './run-case.js';
import { startHostileServer } from './server.js';

// Hostile label answers through the bin: every case labels.test.ts leaves out (label-cases.ts), most of them
// waiting out a deadline or a size limit. In the slow jest project (`npm run test:all`).

const server = await startHostileServer();
afterAll(async () => {
  await server.close();
  await removeWorkspaces();
});

describeLabelCases(server, 'more');
