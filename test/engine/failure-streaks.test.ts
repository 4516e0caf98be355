import { FailureStreaks, failingStageMessage } from '../../src/engine/failure-streaks.js';

/** The streak rule on its own: same stage, same code, in a row; a pass or a drop or another code starts again. */
const failure = (code: string, extra: { href?: string; status?: number; message?: string } = {}) => ({ stage: 'fetch_label', code, message: extra.message ?? `${code} happened`, ...extra });

test('the after-th failure in a row with one code throws ERR_FAILING_STAGE naming the stage, the first failure and a hint', () => {
  const streaks = new FailureStreaks(3);
  streaks.failed('fetch_label', failure('ERR_S3_UNREACHABLE', { href: 's3://b/k1', message: 'getaddrinfo ENOTFOUND s3.example' }), 'item-1');
  streaks.failed('fetch_label', failure('ERR_S3_UNREACHABLE'), 'item-2');
  expect(() => streaks.failed('fetch_label', failure('ERR_S3_UNREACHABLE'), 'item-3')).toThrow(
    expect.objectContaining({
      code: 'ERR_FAILING_STAGE',
      errorClass: 'fatal',
      message: expect.stringMatching(/^fetch_label: 3 entries in a row failed with ERR_S3_UNREACHABLE, .*\(first: item-1 s3:\/\/b\/k1: getaddrinfo ENOTFOUND s3\.example\) — the host name does not resolve: is s3\.endpoint right, and is there a network\?/),
    }),
  );
});

test('a pass, a drop or another code ends the streak; stages count apart; false never stops', () => {
  const streaks = new FailureStreaks(2);
  streaks.failed('a', failure('X'), 'i1');
  streaks.ended('a');
  streaks.failed('a', failure('X'), 'i2');
  streaks.failed('a', failure('Y'), 'i3');
  streaks.failed('b', failure('Y'), 'i4');
  expect(() => streaks.failed('a', failure('Y'), 'i5')).toThrow(/^a: 2 entries in a row failed with Y/);
  const never = new FailureStreaks(false);
  for (let i = 0; i < 100; i += 1) never.failed('a', failure('X'), `i${i}`);
});

test('hints for the usual causes', () => {
  const hint = (f: ReturnType<typeof failure>) => failingStageMessage('download', 20, { ...f, item: 'i' });
  expect(hint(failure('ERR_HTTP_UNREACHABLE', { message: 'connect ECONNREFUSED 127.0.0.1:9' }))).toContain('nothing answers there');
  expect(hint(failure('ERR_S3_ACCESS_DENIED', { status: 403 }))).toContain('access is denied');
  expect(hint(failure('ERR_S3_NOT_FOUND', { status: 404 }))).toContain('nothing at those addresses');
  expect(hint(failure('ERR_PVL_SYNTAX'))).not.toContain(' — ');
});
