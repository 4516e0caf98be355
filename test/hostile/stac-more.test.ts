import { stat } from 'node:fs/promises';
import { boundProblems, failureOf, goodItemProblems, limitProblems, readCsv, recordOutcome } from './checks.js';
import { RUN_DEADLINE_MS } from './pipeline.js';
import { removeWorkspaces, runCase } from './run-case.js';
import type { ApiCase } from './scenario.js';
import { startHostileServer, TEST_CA_FILE } from './server.js';

// The STAC API side, the cases stac.test.ts leaves out (in the slow jest project): an https → http next link
// on the same host and port, an item nested 6,000 deep, and search pages or a landing page that never end or
// come at 1 byte/s. Each case one real bounded run of bin/run-pipeline.js.

// It also speaks HTTPS on the same port: https:// and http:// on one host and port are two origins.
const server = await startHostileServer({ tls: true });
afterAll(async () => {
  await server.close();
  await removeWorkspaces();
});

const SECRET = 'hostile-secret-7f3a';
const GOOD = (ids: string[]) => ids.map((id) => ({ id, transport: 's3' as const }));

test.concurrent(
  `over https, a next link to plain http on the same host and port gets none of the headers (bound ${RUN_DEADLINE_MS / 1000} s)`,
  async () => {
    const name = 'api-https-to-http-next';
    const { run, ws, scenario, planted } = await runCase(
      server,
      name,
      { items: GOOD(['good-1', 'good-2', 'good-3']), pageSize: 1, nextOrigin: server.origin },
      { api: `${server.secureOrigin}/stac/${name}/`, headers: { Authorization: `Bearer ${SECRET}` }, env: { NODE_EXTRA_CA_CERTS: TEST_CA_FILE } },
    );
    const plain = scenario.requests().filter((r) => !r.secure);
    const leaked = plain.filter((r) => Object.values(r.headers).some((v) => v.includes(SECRET)));
    await recordOutcome(name, run, { plain_requests: plain.map((r) => `${r.method} ${r.path}?${r.query}`), leaked: leaked.map((r) => `${r.method} ${r.path}?${r.query}`) });
    expect(boundProblems(run, RUN_DEADLINE_MS)).toEqual([]);
    // The https API got them; nothing sent in clear text ever did.
    expect(scenario.requests().find((r) => r.secure && r.path === `/stac/${name}/search`)?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(leaked.map((r) => `${r.method} ${r.path}?${r.query}`)).toEqual([]);
    if (run.exitCode === 0) {
      // The link was followed without them.
      expect(await goodItemProblems(ws, scenario, run, ['good-1', 'good-2', 'good-3'])).toEqual([]);
    } else {
      // Or refused: the run ends with a code naming the link, never ERR_UNEXPECTED.
      expect({ exit: run.exitCode, code: run.report?.error?.code, names: run.report?.error?.message }).toEqual({
        exit: 1,
        code: expect.stringMatching(/^ERR_(?!UNEXPECTED$|BUG$)[A-Z0-9_]+$/),
        names: expect.stringContaining('page=2'),
      });
    }
    expect(await ws.outsideProblems(planted)).toEqual([]);
  },
  100_000,
);

test.concurrent(
  `an item with a 6,000-deep array in its properties fails alone (or is written), every other item complete (bound ${RUN_DEADLINE_MS / 1000} s, 300 MB)`,
  async () => {
    const name = 'api-deep-item';
    const depth = 6000;
    const { run, ws, scenario, planted } = await runCase(
      server,
      name,
      {
        items: [
          { id: 'good-1', transport: 's3' },
          { id: 'deep', transport: 's3', rawProperties: { nested: '['.repeat(depth) + ']'.repeat(depth) } },
          { id: 'good-2', transport: 's3' },
        ],
      },
      { select: { nested: 'nested' } },
    );
    await recordOutcome(name, run);
    expect(boundProblems(run, RUN_DEADLINE_MS)).toEqual([]);
    expect(run.report?.error).toBeUndefined();
    const deep = failureOf(run, 'deep');
    if (deep) {
      expect({ exit: run.exitCode, code: deep.code }).toEqual({ exit: 3, code: expect.stringMatching(/^ERR_(?!UNEXPECTED$|BUG$)[A-Z0-9_]+$/) });
    } else {
      expect(run.exitCode).toBe(0);
      expect((await readCsv(ws.csvPath)).map((r) => r.id)).toEqual(['good-1', 'deep', 'good-2']);
    }
    expect(await goodItemProblems(ws, scenario, run, ['good-1', 'good-2'])).toEqual([]);
    expect(await ws.outsideProblems(planted)).toEqual([]);
  },
  100_000,
);

/** Case, expected run error code, what its message must name. */
const RUN_ENDING: Array<[ApiCase, RegExp, string]> = [
  ['endless-page', /^ERR_STAC_TOO_LARGE$/, '/search'],
  ['endless-second-page', /^ERR_STAC_TOO_LARGE$/, 'page=2'],
  ['slow-page-body', /^ERR_(LOW_SPEED|REQUEST_TIMEOUT)$/, '/search'],
  ['slow-landing-head', /^ERR_(HEAD|REQUEST)_TIMEOUT$/, '/stac/'],
];
test.concurrent.each(RUN_ENDING)(
  `API %s: the run ends (exit 1) with its code, blaming no item, its counts true (bound ${RUN_DEADLINE_MS / 1000} s, 300 MB)`,
  async (kase, code, names) => {
    const name = `api-${kase}`;
    const { run, ws, planted } = await runCase(server, name, { items: GOOD(['good-1', 'good-2', 'good-3']), pageSize: 1, api: kase });
    await recordOutcome(name, run);
    expect(boundProblems(run, RUN_DEADLINE_MS)).toEqual([]);
    expect({ exit: run.exitCode, code: run.report?.error?.code, names: run.report?.error?.message, failures: run.report?.failures }).toEqual({
      exit: 1,
      code: expect.stringMatching(code),
      names: expect.stringContaining(names),
      failures: [],
    });
    expect(limitProblems(run.report?.error)).toEqual([]);
    // items.written counts rows that exist: none when the aborted run left no CSV.
    const written = await stat(ws.csvPath).then(
      async () => (await readCsv(ws.csvPath)).length,
      () => 0,
    );
    expect(run.report?.items.written).toBe(written);
    expect(await ws.outsideProblems(planted)).toEqual([]);
  },
  100_000,
);
