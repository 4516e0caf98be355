import { decodeToken, encodeToken } from '../../sandbox/paging-token.js';
import { SandboxApiError } from '../../sandbox/api-error.js';

describe('sandbox paging token', () => {
  it('round-trips a position as URL-safe text', () => {
    const token = encodeToken({ keys: ['2009-06-07T14:42:56.305175Z', 7.65], g: 1234 });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeToken(token)).toEqual({ keys: ['2009-06-07T14:42:56.305175Z', 7.65], g: 1234 });
  });

  it.each(['', 'nonsense', Buffer.from('{"k":1}').toString('base64url')])('rejects %j with a 400', (token) => {
    expect(() => decodeToken(token)).toThrow(SandboxApiError);
    try {
      decodeToken(token);
    } catch (err) {
      expect((err as SandboxApiError).body).toEqual({ code: 'BadRequest', description: expect.stringContaining('next') });
    }
  });
});
