import { NoSuchKey, NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { StacflowError } from '../../src/errors.js';
import { S3ObjectError, S3TransportError, toS3ObjectError } from '../../src/s3/errors.js';

const location = { bucket: 'astrogeo-ard', key: 'moon/a/b.pvl', region: 'us-west-2' };
const href = 'https://astrogeo-ard.s3-us-west-2.amazonaws.com/moon/a/b.pvl';
const where = { href, location };

const serviceError = (name: string, status: number, attempts = 1) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', message: `${name} message`, $metadata: { httpStatusCode: status, attempts, requestId: 'R1' } });

describe('toS3ObjectError', () => {
  it('makes a NoSuchKey an item failure naming the href, the object, the S3 code and the status', () => {
    const sdk = new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404, requestId: 'VMMG8XA5TVW28HWT' } });
    const err = toS3ObjectError(sdk, where);
    expect(err).toBeInstanceOf(S3ObjectError);
    expect(err).toBeInstanceOf(StacflowError);
    expect(err).toMatchObject({
      code: 'ERR_S3_NOT_FOUND', errorClass: 'item', status: 404, s3Code: 'NoSuchKey', href,
      bucket: 'astrogeo-ard', key: 'moon/a/b.pvl', region: 'us-west-2', requestId: 'VMMG8XA5TVW28HWT',
    });
    expect(err.message).toContain(href);
    expect(err.message).toContain('s3://astrogeo-ard/moon/a/b.pvl');
    expect(err.message).toContain('NoSuchKey, HTTP 404: The specified key does not exist.');
    expect(err.cause).toBe(sdk);
  });

  it('reads the bodiless 404 of a HEAD (NotFound, "UnknownError") as not found, without the meaningless message', () => {
    const err = toS3ObjectError(new NotFound({ message: 'UnknownError', $metadata: { httpStatusCode: 404 } }), where);
    expect(err).toMatchObject({ code: 'ERR_S3_NOT_FOUND', s3Code: 'NotFound', errorClass: 'item' });
    expect(err.message).not.toContain('UnknownError');
  });

  it.each([
    ['AccessDenied', 403, 'ERR_S3_ACCESS_DENIED', 'item'],
    ['Forbidden', 403, 'ERR_S3_ACCESS_DENIED', 'item'],
    ['NoSuchBucket', 404, 'ERR_S3_NOT_FOUND', 'item'],
    ['PreconditionFailed', 412, 'ERR_S3_CHANGED', 'item'],
    ['InvalidRange', 416, 'ERR_S3_REQUEST', 'item'],
    ['PermanentRedirect', 301, 'ERR_S3_REQUEST', 'item'],
    ['InternalError', 500, 'ERR_S3_UNAVAILABLE', 'retryable'],
    ['SlowDown', 503, 'ERR_S3_UNAVAILABLE', 'retryable'],
    ['ServiceUnavailable', 503, 'ERR_S3_UNAVAILABLE', 'retryable'],
    ['RequestTimeout', 400, 'ERR_S3_UNAVAILABLE', 'retryable'],
    ['TooManyRequestsException', 429, 'ERR_S3_UNAVAILABLE', 'retryable'],
  ])('classes %s (HTTP %i) as %s, %s', (name, status, code, errorClass) => {
    expect(toS3ObjectError(serviceError(name, status), where)).toMatchObject({ code, errorClass, status, s3Code: name });
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EPIPE'])('classes a socket error %s as retryable', (code) => {
    const err = toS3ObjectError(Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code, $metadata: { attempts: 5 } }), { ...where, endpoint: 'http://127.0.0.1:9' });
    expect(err).toMatchObject({ code: 'ERR_S3_UNAVAILABLE', errorClass: 'retryable', s3Code: code, status: undefined, attempts: 5 });
    expect(err.message).toContain('after 5 attempts');
    expect(err.message).toContain('http://127.0.0.1:9');
  });

  it('says how many attempts were made when the SDK retried', () => {
    expect(toS3ObjectError(serviceError('SlowDown', 503, 5), where).message).toContain('after 5 attempts');
  });

  it('classes an error without status or socket code as a request failure, not a retryable one', () => {
    expect(toS3ObjectError(new TypeError('Invalid URL'), where)).toMatchObject({ code: 'ERR_S3_REQUEST', errorClass: 'item' });
  });

  it('passes an S3ObjectError through', () => {
    const err = toS3ObjectError(serviceError('AccessDenied', 403), where);
    expect(toS3ObjectError(err, where)).toBe(err);
  });
});

describe('toS3ObjectError: transport failures (request-handler.ts, transport.ts)', () => {
  it.each(['ERR_HEAD_TIMEOUT', 'ERR_LOW_SPEED', 'ERR_REQUEST_TIMEOUT'] as const)('keeps %s as the code, retryable, with the limit in the message and the attempts made', (code) => {
    const cause = new S3TransportError(code, 'http://127.0.0.1:9/astrogeo-ard/moon/a/b.pvl', 'below http.low_speed_limit = 1 KiB/s');
    const err = toS3ObjectError(cause, where, 6);
    expect(err).toMatchObject({ code, errorClass: 'retryable', attempts: 6, s3Code: undefined, cause });
    expect(err.message).toContain(`${code} after 6 attempts`);
    expect(err.message).toContain('http.low_speed_limit');
  });

  it('an answer that is not HTTP (ERR_BAD_RESPONSE, undici parser errors, a head too large) is ERR_S3_BAD_RESPONSE, not retried', () => {
    const cause = new S3TransportError('ERR_BAD_RESPONSE', 'http://127.0.0.1:9/b/k', 'refused an answer with status 099, which is no HTTP status');
    expect(cause.errorClass).toBe('item');
    const err = toS3ObjectError(cause, where);
    expect(err).toMatchObject({ code: 'ERR_S3_BAD_RESPONSE', errorClass: 'item' });
    expect(err.message).toContain('status 099');
    expect(err.message).toContain('not HTTP (not retried)');
    for (const code of ['HPE_INVALID_CONSTANT', 'UND_ERR_HEADERS_OVERFLOW']) {
      expect(toS3ObjectError(Object.assign(new Error('refused'), { code }), where)).toMatchObject({ code: 'ERR_S3_BAD_RESPONSE', errorClass: 'item' });
    }
    expect(toS3ObjectError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), where)).toMatchObject({ code: 'ERR_S3_UNAVAILABLE', errorClass: 'retryable' });
  });

  it('an error answer whose body failed to arrive keeps its status (a 404 stays not found)', () => {
    const failed = Object.assign(new S3TransportError('ERR_LOW_SPEED', 'http://127.0.0.1:9/b/k', 'slow'), { $metadata: { httpStatusCode: 404 } });
    expect(toS3ObjectError(failed, where)).toMatchObject({ code: 'ERR_S3_NOT_FOUND', status: 404 });
  });
});
