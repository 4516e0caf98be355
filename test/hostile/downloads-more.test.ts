import { describeDownloadCases } from './download-cases.js';
import { removeWorkspaces } from './run-case.js';
import { startHostileServer } from './server.js';

// Hostile answers to the download step through the bin: every case downloads.test.ts leaves out
// (download-cases.ts), most of them waiting out a deadline. In the slow jest project (`npm run test:all`).

const server = await startHostileServer();
afterAll(async () => {
  await server.close();
  await removeWorkspaces();
});

describeDownloadCases(server, 'more');
