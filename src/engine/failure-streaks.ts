import type { Failure } from '../entry.js';
import { RunAbortedError } from '../errors.js';
import { DNS_ERROR_CODES } from '../http/retry-policy.js';

/**
 * Fail fast when everything fails (issue 13): a stage whose entries fail one after another with the same code
 * (`fail_fast`, default 20 in a row) is not meeting bad items but a bad setting or a server that is not there
 * (a wrong `s3.endpoint`: every label read ENOTFOUND). Going on would fail every item the same way, slowly and
 * with a warning each; the run ends at once with one message that names the stage, the code, the first failure
 * and what to check. An entry the stage passes or drops ends its streak; another code starts a new one.
 */
/** Failures in a row with one code that end a run unless `fail_fast:` says otherwise. */
export const DEFAULT_FAIL_FAST = 20;

export class FailureStreaks {
  readonly #streaks = new Map<string, { code: string; count: number; first: Failure & { item: string } }>();

  /** `after`: failures in a row that end the run; `false`: never. */
  constructor(readonly after: number | false) {}

  /** Stage `label` passed or dropped an entry: its streak ends. */
  ended(label: string): void {
    this.#streaks.delete(label);
  }

  /** Stage `label` failed an entry of `item`; throws RunAbortedError (ERR_FAILING_STAGE) at the `after`-th in a row. */
  failed(label: string, failure: Failure, item: string): void {
    if (this.after === false) return;
    const streak = this.#streaks.get(label);
    if (streak === undefined || streak.code !== failure.code) {
      this.#streaks.set(label, { code: failure.code, count: 1, first: { ...failure, item } });
      if (this.after > 1) return;
    } else {
      streak.count += 1;
      if (streak.count < this.after) return;
    }
    const { first } = this.#streaks.get(label)!;
    throw new RunAbortedError('ERR_FAILING_STAGE', failingStageMessage(label, this.after, first));
  }
}

/** `download: the last 20 entries all failed with ENOTFOUND (first: item X, href: getaddrinfo …) — is s3.endpoint right?` */
export function failingStageMessage(label: string, count: number, first: Failure & { item: string }): string {
  const href = first.href !== undefined && !first.message.includes(first.href) ? ` ${first.href}` : '';
  const hint = hintFor(first);
  return (
    `${label}: ${count} entries in a row failed with ${first.code}, so the run stops here instead of failing every item the same way ` +
    `(first: ${first.item}${href}: ${first.message})${hint ? ` — ${hint}` : ''}; fail_fast: false in the pipeline turns this off`
  );
}

/** What to check for the usual causes of a stage failing throughout. */
function hintFor(failure: Failure): string | undefined {
  const text = `${failure.code} ${failure.message}`;
  const where = failure.href?.startsWith('s3://') || /S3/.test(failure.code) ? 's3.endpoint' : 'the endpoint (the API url, s3.endpoint)';
  if (DNS_ERROR_CODES.some((code) => text.includes(code))) return `the host name does not resolve: is ${where} right, and is there a network?`;
  if (/ECONNREFUSED/.test(text)) return `nothing answers there: is ${where} right, and is the server up?`;
  if (/CERT|SSL|TLS/i.test(text)) return `the TLS certificate is refused: is ${where} right?`;
  if (failure.status === 401 || failure.status === 403 || /ACCESS_DENIED|Forbidden/i.test(text)) return 'access is denied: is the bucket public (s3.anonymous), or are credentials needed?';
  if (failure.status === 404 || /NOT_FOUND|NoSuchKey|NoSuchBucket/i.test(text)) return 'nothing at those addresses: is the asset key right, or the endpoint (s3.endpoint)?';
  if (failure.status === 429) return 'the server keeps asking to slow down: lower the concurrency';
  return undefined;
}
