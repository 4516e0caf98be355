import { describeDownloadCases } from './download-cases.js';
import { removeWorkspaces } from './run-case.js';
import { startHostileServer } from './server.js';

// Hostile answers to the download step through the bin: a fast case of each kind, over S3 and plain HTTP
// (download-cases.ts). The other cases are in downloads-more.test.ts, in the slow jest project.

const server = await startHostileServer();
afterAll(async () => {
  await server.close();
  await removeWorkspaces();
});

describeDownloadCases(server, 'core');
