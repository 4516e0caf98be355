import { boundProblems, failureOf, goodItemProblems, readCsv, recordOutcome } from './checks.js';
import { RUN_DEADLINE_MS } from './pipeline.js';
import { removeWorkspaces, runCase } from './run-case.js';
import { startHostileServer } from './server.js';

// The STAC API side: credentials and a next link to another origin, and hostile item ids. Each case one real
// bounded run of bin/run-pipeline.js. An https → http next link, an item nested 6,000 deep, and pages or a
// landing page that never end or come at 1 byte/s are in stac-more.test.ts, in the slow jest project.

const server = await startHostileServer();
// The other origin a next link leads to: same scenarios, another port; it records the headers it receives.
const other = await startHostileServer({ registry: server.registry });
afterAll(async () => {
  await Promise.all([server.close(), other.close()]);
  await removeWorkspaces();
});

const SECRET = 'hostile-secret-7f3a';
const GOOD = (ids: string[]) => ids.map((id) => ({ id, transport: 's3' as const }));

test.concurrent(
  `stac_search headers (Authorization) go to the api origin only, never to a next link on another origin (bound ${RUN_DEADLINE_MS / 1000} s)`,
  async () => {
    const name = 'api-cross-origin-next';
    const { run, ws, scenario, planted } = await runCase(
      server,
      name,
      { items: GOOD(['good-1', 'good-2', 'good-3']), pageSize: 1, nextOrigin: other.origin },
      { headers: { Authorization: `Bearer ${SECRET}`, 'X-Api-Key': SECRET } },
    );
    const sentToOther = other.requests.filter((r) => r.path.startsWith(`/stac/${name}/`));
    const leaked = [...sentToOther, ...scenario.requests().filter((r) => !r.path.startsWith('/stac/'))].filter((r) =>
      Object.values(r.headers).some((v) => v.includes(SECRET)),
    );
    const logged = run.stderr.split('\n').filter((line) => line.includes(`127.0.0.1:${other.port}`));
    await recordOutcome(name, run, { other_origin_requests: sentToOther.length, leaked: leaked.map((r) => `${r.method} ${r.path} on ${r.port}`), log_lines: logged.map((l) => l.slice(0, 300)) });
    expect(boundProblems(run, RUN_DEADLINE_MS)).toEqual([]);
    // The API origin gets the headers (they are what the user configured for it).
    const search = scenario.requests().find((r) => r.path === `/stac/${name}/search`);
    expect(search?.headers.authorization).toBe(`Bearer ${SECRET}`);
    // The other origin served pages 2 and 3, and got none of them; S3 reads never carry them either.
    expect([...new Set(sentToOther.map((r) => r.query.get('page')))]).toEqual(['2', '3']);
    expect(leaked.map((r) => ({ path: r.path, port: r.port, authorization: r.headers.authorization, key: r.headers['x-api-key'] }))).toEqual([]);
    expect({ exit: run.exitCode, error: run.report?.error, failures: run.report?.failures }).toEqual({ exit: 0, error: undefined, failures: [] });
    // A log line says the headers were not sent there.
    expect(logged.length).toBeGreaterThan(0);
    expect(await goodItemProblems(ws, scenario, run, ['good-1', 'good-2', 'good-3'])).toEqual([]);
    expect(await ws.outsideProblems(planted)).toEqual([]);
  },
  100_000,
);

test.concurrent(
  `hostile ids: a formula is escaped in the CSV, an overlong or control-character id fails as ERR_DOWNLOAD_PATH, no raw ESC reaches stderr (bound ${RUN_DEADLINE_MS / 1000} s)`,
  async () => {
    const name = 'api-hostile-ids';
    const formula = '=1+2';
    const overlong = 'x'.repeat(300);
    const escape = 'esc\u001b[31mred';
    const { run, ws, scenario, planted } = await runCase(server, name, {
      items: GOOD(['good-1', formula, overlong, escape, 'good-2']),
    });
    await recordOutcome(name, run);
    expect(boundProblems(run, RUN_DEADLINE_MS)).toEqual([]);
    expect({ exit: run.exitCode, error: run.report?.error }).toEqual({ exit: 3, error: undefined });
    expect([overlong, escape].map((id) => failureOf(run, id)?.code)).toEqual(['ERR_DOWNLOAD_PATH', 'ERR_DOWNLOAD_PATH']);
    expect(failureOf(run, formula)).toBeUndefined();
    // csv-stringify's escape_formulas: the cell starts with a quote, so a spreadsheet shows text.
    const rows = await readCsv(ws.csvPath);
    expect(rows.map((r) => r.id)).toContain(`'${formula}`);
    expect(run.stderr).not.toContain('\u001b');
    expect(await goodItemProblems(ws, scenario, run, ['good-1', 'good-2'])).toEqual([]);
    expect(await ws.outsideProblems(planted)).toEqual([]);
  },
  100_000,
);
