import { describeLabelCases } from './label-cases.js';
import { removeWorkspaces } from './run-case.js';
import { startHostileServer } from './server.js';

// Hostile label answers through the bin: a fast case of each kind of defence, over S3 and plain HTTP
// (label-cases.ts). The other cases are in labels-more.test.ts, in the slow jest project.

const server = await startHostileServer();
afterAll(async () => {
  await server.close();
  await removeWorkspaces();
});

describeLabelCases(server, 'core');
