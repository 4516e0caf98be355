import { badRequest } from './api-error.js';

/**
 * Where a page ended: the sort key values of its last item and that item's number (the tiebreak). Sent as
 * base64url JSON (as stac-server v5 does), so the server keeps no memory of searches and a token stays valid
 * for as long as the catalog does.
 */
export interface PagePosition {
  keys: unknown[];
  g: number;
}

export function encodeToken(position: PagePosition): string {
  return Buffer.from(JSON.stringify({ k: position.keys, g: position.g }), 'utf8').toString('base64url');
}

export function decodeToken(token: string): PagePosition {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k?: unknown; g?: unknown };
    if (Array.isArray(value.k) && Number.isInteger(value.g)) return { keys: value.k, g: value.g as number };
  } catch {
    // fall through to the 400
  }
  throw badRequest(`Invalid next token "${token}": pass the next link of the previous page unchanged`);
}
