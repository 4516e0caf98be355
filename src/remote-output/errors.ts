import { RunAbortedError, errorMessage } from '../errors.js';
import { outputRegion, type OutputS3Settings } from './settings.js';

/**
 * An `s3://` output that could not be written or read back: the run ends (exit 1), and the message names the
 * URL, where the request went and what to change. S3's own code (NoSuchBucket, AccessDenied…) is kept.
 */
export function remoteOutputError(url: string, doing: 'upload' | 'verify' | 'read' | 'list', cause: unknown, settings: OutputS3Settings): RunAbortedError {
  const code = s3ErrorCode(cause);
  const where = settings.endpoint ? `endpoint ${settings.endpoint}` : `AWS S3, region ${outputRegion(settings)}`;
  const what = `${code ? `${code}: ` : ''}${errorMessage(cause)}`;
  return new RunAbortedError(doing === 'read' || doing === 'list' ? 'ERR_OUTPUT_READ' : 'ERR_OUTPUT_UPLOAD', `cannot ${doing} ${url} (${where}): ${what}${hint(code)}`, cause);
}

/** S3's error code of an SDK error (`NoSuchBucket`), if it has one. */
export function s3ErrorCode(err: unknown): string | undefined {
  const name = (err as { name?: unknown; Code?: unknown } | undefined)?.Code ?? (err as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name !== 'Error' ? name : undefined;
}

function hint(code: string | undefined): string {
  switch (code) {
    case 'NoSuchBucket':
      return ' (check the bucket name in the path, and outputs_s3.endpoint / region)';
    case 'NotFound':
    case 'NoSuchKey':
      return ' (no such object: check the path, and that the run that writes it completed)';
    case 'AccessDenied':
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
    case 'Forbidden':
    case 'CredentialsProviderError':
      return ' (check the credentials the AWS SDK finds: AWS_ACCESS_KEY_ID / AWS_PROFILE / the role of the pod or job, and that they may write this prefix)';
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
      return ' (the bucket is in another region: set outputs_s3.region)';
    default:
      return '';
  }
}
