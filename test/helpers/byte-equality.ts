/**
 * Jest setup (jest.config.js `setupFilesAfterEnv`): `toEqual` on two byte arrays compares their bytes at once.
 * Jest's generic equality walks a Buffer index by index, about 5 s of CPU per MiB compared: the download tests
 * spent half a minute comparing 256 KiB images. Same verdict as jest's (same bytes, same length); arrays of two
 * different classes (a Buffer and a Uint8Array) are left to jest, so toStrictEqual still tells them apart.
 */

type Tester = (a: unknown, b: unknown) => boolean | undefined;

const isBytes = (value: unknown): value is Uint8Array => ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]';

const sameBytes: Tester = (a, b) => {
  if (!isBytes(a) || !isBytes(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return undefined;
  return Buffer.compare(a, b) === 0;
};

// expect.addEqualityTesters is jest's (since 29.4); @types/jest 30.0 does not declare it.
(expect as unknown as { addEqualityTesters(testers: Tester[]): void }).addEqualityTesters([sameBytes]);
