import type http from 'node:http';

/**
 * S3 error answers as the real service writes them (see fixtures/usgs/s3/ for a real NoSuchKey): XML with
 * Code, Message, the detail (Key...), RequestId and HostId; HEAD answers carry no body, as S3's do.
 */

let counter = 0;

/** A request id shaped as S3's (16 upper-case hex-like characters) and a base64 host id. */
function requestIds(): { RequestId: string; HostId: string } {
  counter += 1;
  const id = `SANDBOX${counter.toString(16).toUpperCase().padStart(9, '0')}`;
  return { RequestId: id, HostId: Buffer.from(`stacflow-sandbox-s3/${id}`).toString('base64') };
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export function errorXml(code: string, message: string, detail: Record<string, string> = {}): string {
  const fields = { Code: code, Message: message, ...detail, ...requestIds() };
  const body = Object.entries(fields).map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${body}</Error>`;
}

export function sendS3Error(
  res: http.ServerResponse, head: boolean, status: number, code: string, message: string,
  detail: Record<string, string> = {}, headers: Record<string, string> = {},
): void {
  const body = errorXml(code, message, detail);
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': head ? 0 : Buffer.byteLength(body), ...headers });
  res.end(head ? undefined : body);
}

/** Messages S3 sends with these codes. */
export const S3_MESSAGES: Readonly<Record<string, string>> = Object.freeze({
  NoSuchKey: 'The specified key does not exist.',
  AccessDenied: 'Access Denied',
  SlowDown: 'Please reduce your request rate.',
  InternalError: 'We encountered an internal error. Please try again.',
  ServiceUnavailable: 'Service is unable to handle request.',
  NotImplemented: 'A header you provided implies functionality that is not implemented',
});

/** The S3 code for a status a fault asks for, when the fault names none. */
export function codeForStatus(status: number): string {
  if (status === 403) return 'AccessDenied';
  if (status === 404) return 'NoSuchKey';
  if (status === 503) return 'SlowDown';
  if (status === 501) return 'NotImplemented';
  return status >= 500 ? 'InternalError' : 'InvalidRequest';
}
