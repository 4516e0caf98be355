import { boundProblems, failureOf, goodItemProblems, limitProblems, recordOutcome, requestCounts } from './checks.js';
import { FAST_LIMITS, RUN_DEADLINE_MS } from './pipeline.js';
import { runCase } from './run-case.js';
import { labelFileOf, type ObjectCase } from './scenario.js';
import type { HostileServer } from './server.js';

// Hostile label answers (fetch_label), over S3 (s3.endpoint → the hostile server) and plain HTTP. Each case is
// one real run of bin/run-pipeline.js under the bins' flags, bounded (RUN_DEADLINE_MS, 300 MB): the hostile
// label fails its own item with the expected code, the run goes on (exit 3), the two good items beside it are
// complete and byte-identical, and nothing is written outside the output root.

const ANY = /^ERR_(?!UNEXPECTED$)[A-Z0-9_]+$/;
const TOO_LARGE = /^ERR_(LABEL|S3)_TOO_LARGE$/;
type Transport = 's3' | 'http';

/** Case, expected code over S3, over plain HTTP. */
const CASES: Array<[ObjectCase, RegExp, RegExp]> = [
  ['endless-chunked', TOO_LARGE, /^ERR_LABEL_TOO_LARGE$/],
  ['endless-close', TOO_LARGE, /^ERR_LABEL_TOO_LARGE$/],
  ['huge-length', TOO_LARGE, /^ERR_LABEL_TOO_LARGE$/],
  ['endless-404', /^ERR_S3_NOT_FOUND$/, /^ERR_LABEL_HTTP$/],
  ['endless-trailers', ANY, ANY],
  ['endless-continue', ANY, ANY],
  ['slow-head', /^ERR_(HEAD|REQUEST)_TIMEOUT$/, /^ERR_(HEAD|REQUEST)_TIMEOUT$/],
  ['slow-body', /^ERR_(LOW_SPEED|REQUEST_TIMEOUT)$/, /^ERR_(LOW_SPEED|REQUEST_TIMEOUT)$/],
  ['te-and-cl', /^ERR_S3_BAD_RESPONSE$/, ANY],
  ['status-000', /^ERR_S3_BAD_RESPONSE$/, ANY],
  ['status-099', /^ERR_S3_BAD_RESPONSE$/, ANY],
  ['deep-label', /^ERR_PVL_[A-Z_]+$/, /^ERR_PVL_[A-Z_]+$/],
  ['invalid-label', /^ERR_PVL_SYNTAX$/, /^ERR_PVL_SYNTAX$/],
];

/**
 * The cases labels.test.ts runs in the default jest project, none waiting out a deadline: a size limit and a
 * malformed head over S3, a size limit while reading and a PVL error over plain HTTP. The others are in
 * labels-more.test.ts (slow project).
 */
const CORE: Record<Transport, ObjectCase[]> = {
  s3: ['huge-length', 'status-099'],
  http: ['endless-chunked', 'invalid-label'],
};

/** The label cases of one part ('core': CORE; 'more': every other), against `server`. */
export function describeLabelCases(server: HostileServer, part: 'core' | 'more'): void {
  describe.each(['s3', 'http'] as const)('labels over %s', (transport) => {
    const cases = CASES.filter(([kase]) => CORE[transport].includes(kase) === (part === 'core'));
    test.concurrent.each(cases)(
      `%s: the item fails with its code, the others complete (bound ${RUN_DEADLINE_MS / 1000} s, 300 MB)`,
      async (kase, s3Code, httpCode) => {
        const name = `label-${transport}-${kase}`;
        const { run, ws, scenario, planted } = await runCase(server, name, {
          items: [
            { id: 'good-1', transport },
            { id: 'bad', transport, label: kase },
            { id: 'good-2', transport },
          ],
        });
        const asked = requestCounts(scenario, 'bad', labelFileOf('bad'));
        await recordOutcome(name, run, { bad_requests: asked });
        expect(boundProblems(run, RUN_DEADLINE_MS)).toEqual([]);
        const bad = failureOf(run, 'bad');
        expect({ exit: run.exitCode, error: run.report?.error, stage: bad?.stage, code: bad?.code, names: `${bad?.href ?? ''} ${bad?.message ?? ''}` }).toEqual({
          exit: 3,
          error: undefined,
          stage: 'fetch_label',
          code: expect.stringMatching(transport === 's3' ? s3Code : httpCode),
          names: expect.stringContaining('bad.caminfo.pvl'),
        });
        expect(limitProblems(bad)).toEqual([]);
        // One retry layer: at most `retries + 1` attempts reached the server, whatever the layers below do.
        expect(asked.GET ?? 0).toBeLessThanOrEqual(FAST_LIMITS.retries + 1);
        expect(await goodItemProblems(ws, scenario, run, ['good-1', 'good-2'])).toEqual([]);
        expect(await ws.outsideProblems(planted)).toEqual([]);
      },
      100_000,
    );
  });
}
