import { access } from 'node:fs/promises';
import { boundProblems, failureOf, goodItemProblems, limitProblems, recordOutcome, requestCounts } from './checks.js';
import { RUN_DEADLINE_MS } from './pipeline.js';
import { runCase } from './run-case.js';
import { COLLECTION, imageFileOf, type ObjectCase } from './scenario.js';
import type { HostileServer } from './server.js';

// Hostile answers to the download step's HEAD and GET of an image, over S3 and plain HTTP, each case one real
// bounded run of bin/run-pipeline.js: the image fails its own item with the expected code and leaves no file
// under its final name, or (a HEAD whose body comes late) is downloaded byte for byte despite it; the good
// items beside it are complete and byte-identical; nothing is written outside the output root.

const ANY = /^ERR_(?!UNEXPECTED$)[A-Z0-9_]+$/;
type Transport = 's3' | 'http';

/** Case, expected code over S3, over plain HTTP (undefined: the item must complete). */
const CASES: Array<[ObjectCase, RegExp | undefined, RegExp | undefined]> = [
  ['head-late-body', undefined, undefined],
  ['endless-404', /^ERR_S3_NOT_FOUND$/, /^ERR_DOWNLOAD_HTTP$/],
  ['endless-chunked', ANY, ANY],
  ['huge-length', ANY, ANY],
  ['slow-head', /^ERR_(HEAD|REQUEST)_TIMEOUT$/, /^ERR_(HEAD|REQUEST)_TIMEOUT$/],
  ['slow-body', /^ERR_(LOW_SPEED|DOWNLOAD_INCOMPLETE|DOWNLOAD_UNREACHABLE)$/, /^ERR_(LOW_SPEED|DOWNLOAD_INCOMPLETE|DOWNLOAD_UNREACHABLE)$/],
  ['endless-continue', ANY, ANY],
  ['te-and-cl', ANY, ANY],
  ['status-000', ANY, ANY],
];

/**
 * The cases downloads.test.ts runs in the default jest project, none waiting out a deadline: a HEAD whose body
 * comes late (the item must complete) and an error status over S3, a malformed head over plain HTTP. The others
 * are in downloads-more.test.ts (slow project).
 */
const CORE: Record<Transport, ObjectCase[]> = {
  s3: ['head-late-body', 'endless-404'],
  http: ['te-and-cl'],
};

/** The download cases of one part ('core': CORE; 'more': every other), against `server`. */
export function describeDownloadCases(server: HostileServer, part: 'core' | 'more'): void {
  describe.each(['s3', 'http'] as const)('downloads over %s', (transport) => {
    const cases = CASES.filter(([kase]) => CORE[transport].includes(kase) === (part === 'core'));
    test.concurrent.each(cases)(
      `%s: the image fails its item (or completes), the others complete (bound ${RUN_DEADLINE_MS / 1000} s, 300 MB)`,
      async (kase, s3Code, httpCode) => {
        const name = `image-${transport}-${kase}`;
        const { run, ws, scenario, planted } = await runCase(server, name, {
          items: [
            { id: 'good-1', transport },
            { id: 'bad', transport, image: kase },
            { id: 'good-2', transport },
          ],
        });
        const reused = scenario.requests().filter((r) => r.afterLateBody).map((r) => `${r.method} ${r.path}`);
        await recordOutcome(name, run, { bad_requests: requestCounts(scenario, 'bad', imageFileOf('bad')), reused_after_late_head_body: reused });
        expect(boundProblems(run, RUN_DEADLINE_MS)).toEqual([]);
        const code = transport === 's3' ? s3Code : httpCode;
        const bad = failureOf(run, 'bad');
        if (code === undefined) {
          expect({ exit: run.exitCode, error: run.report?.error, failures: run.report?.failures }).toEqual({ exit: 0, error: undefined, failures: [] });
          expect(await goodItemProblems(ws, scenario, run, ['good-1', 'bad', 'good-2'])).toEqual([]);
        } else {
          expect({ exit: run.exitCode, error: run.report?.error, stage: bad?.stage, code: bad?.code, names: `${bad?.href ?? ''} ${bad?.message ?? ''}` }).toEqual({
            exit: 3,
            error: undefined,
            stage: 'download',
            code: expect.stringMatching(code),
            names: expect.stringContaining('bad.img'),
          });
          expect(limitProblems(bad)).toEqual([]);
          const finalName = ws.imagePath(COLLECTION, 'bad', imageFileOf('bad'));
          await expect(access(finalName)).rejects.toThrow();
          expect(await goodItemProblems(ws, scenario, run, ['good-1', 'good-2'])).toEqual([]);
        }
        expect(await ws.outsideProblems(planted)).toEqual([]);
      },
      100_000,
    );
  });
}
