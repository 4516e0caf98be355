/** Connection pool sizes shared by the SDK clients (sdk-client.ts) and the direct path (anonymous-get.ts). */

/** Keep-alive connections per origin: downloads and label fetches share them. */
export const MAX_SOCKETS = 64;
/** An unused kept connection is closed after this long (S3 closes them after about 20 s). */
export const KEEP_ALIVE_MS = 10_000;
