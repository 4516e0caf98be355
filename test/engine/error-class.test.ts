import { EntryError, errorClass, errorCode, RunAbortedError, StacflowError } from '../../src/errors.js';

const system = (code: string, Type: ErrorConstructor = Error) => Object.assign(new Type(`${code}: something`), { code });

describe('errorClass: one answer for every error', () => {
  test('a StacflowError says its own class', () => {
    expect(errorClass(new EntryError('ERR_X', 'x'))).toBe('item');
    expect(errorClass(new RunAbortedError('ERR_Y', 'y'))).toBe('fatal');
    expect(errorClass(new StacflowError('ERR_Z', 'z', { errorClass: 'retryable' }))).toBe('retryable');
  });

  test('an abort is fatal (DOMException AbortError, Node ABORT_ERR)', () => {
    const controller = new AbortController();
    controller.abort();
    expect(errorClass(controller.signal.reason)).toBe('fatal');
    expect(errorClass(system('ABORT_ERR'))).toBe('fatal');
  });

  test('Node system errors: network ones retryable, a full or read-only disk fatal, others the item', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET']) expect(errorClass(system(code))).toBe('retryable');
    for (const code of ['ENOSPC', 'EDQUOT', 'EROFS']) expect(errorClass(system(code))).toBe('fatal');
    for (const code of ['ENOENT', 'ENAMETOOLONG', 'EACCES']) expect(errorClass(system(code))).toBe('item');
    // A TypeError with a code is data gone wrong (a bad URL in an item), not a bug.
    expect(errorClass(system('ERR_INVALID_URL', TypeError))).toBe('item');
  });

  test('bugs: TypeError, RangeError, ReferenceError, SyntaxError, EvalError, ERR_INVALID_ARG_*, thrown non-errors', () => {
    for (const err of [new TypeError('x'), new RangeError('x'), new ReferenceError('x'), new SyntaxError('x'), new EvalError('x')]) {
      expect(errorClass(err)).toBe('bug');
      expect(errorCode(err)).toBe('ERR_BUG');
    }
    expect(errorClass(system('ERR_INVALID_ARG_TYPE', TypeError))).toBe('bug');
    expect(errorClass('a string')).toBe('bug');
  });

  test('any other Error fails its item, reported as ERR_UNEXPECTED', () => {
    expect(errorClass(new Error('odd'))).toBe('item');
    expect(errorCode(new Error('odd'))).toBe('ERR_UNEXPECTED');
  });
});
