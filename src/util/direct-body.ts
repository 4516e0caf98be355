/**
 * A body that hands its chunks straight to a taker, with no stream in between (src/s3/response-body.ts), and
 * the taker's side of it (src/download/body-writer.ts): at hundreds of MB/s in 16 KiB TLS records, a stream's
 * bookkeeping per chunk is CPU that counts.
 */

/** Takes one chunk: undefined when it took it, a promise when the body must wait (pause its socket) until it settles. */
export type TakeChunk = (chunk: Buffer) => Promise<void> | undefined;

export interface DirectBody {
  /** Resolves at the body's end; rejects with its error, or `take`'s, once `take`'s pending promise has settled. */
  drainInto(take: TakeChunk): Promise<void>;
}

export const isDirectBody = (body: object): body is DirectBody => typeof (body as Partial<DirectBody>).drainInto === 'function';
