import type { RemoteHead } from './object-source.js';
import type { Sidecar } from './sidecar.js';

/**
 * The download step's decision for one object, before any GET (rclone's NeedTransfer apart from Copy): a
 * pure function of what a HEAD says now and what is on disk, so every branch is tested without a server.
 */

/** What is on disk for one target path. */
export interface LocalState {
  /** The final file, when it exists. */
  final?: { size: number };
  /** `<path>.part`, when it exists. */
  part?: { size: number };
  sidecar?: Sidecar;
}

export type Decision =
  /** The file is current: same href, size and version (ETag) as the server says; no GET. */
  | { action: 'skip' }
  /** One stream, from byte `from` (> 0: resuming the `.part`, which holds the object's first `from` bytes). */
  | { action: 'whole'; from: number }
  /** Parallel ranged parts of `partSize` bytes; `done` are already in the `.part` (resuming). */
  | { action: 'parts'; partSize: number; done: number[] };

export interface DecideSettings {
  /** Objects larger than this go in ranged parts. */
  multipartThreshold: number;
  partSize: number;
}

/** Same object version: by ETag when either side has one, else by Last-Modified; unknown means no. */
function sameVersion(sidecar: Sidecar, head: RemoteHead): boolean {
  if (sidecar.etag !== undefined || head.etag !== undefined) return sidecar.etag === head.etag;
  return sidecar.last_modified !== undefined && sidecar.last_modified === head.lastModified;
}

export function decideTransfer(href: string, checksum: string | undefined, head: RemoteHead, local: LocalState, settings: DecideSettings): Decision {
  const { sidecar } = local;
  const size = head.size;
  const sameObject = sidecar !== undefined && sidecar.href === href && size !== undefined && sidecar.size === size && sameVersion(sidecar, head);

  if (sameObject && sidecar?.state === 'complete' && local.final?.size === size && (checksum === undefined || sidecar.checksum === checksum)) {
    return { action: 'skip' };
  }
  // Resuming needs the ETag (the GETs carry If-Match): without one a changed object could be mixed in.
  if (sameObject && sidecar?.state === 'partial' && local.part && head.etag !== undefined && size !== undefined) {
    if (sidecar.part_size !== undefined) {
      const count = partCount(size, sidecar.part_size);
      if (local.part.size === size && sidecar.part_size > 0) {
        const done = [...new Set(sidecar.parts_done ?? [])].filter((i) => Number.isSafeInteger(i) && i >= 0 && i < count).sort((a, b) => a - b);
        return { action: 'parts', partSize: sidecar.part_size, done };
      }
    } else if (local.part.size > 0 && local.part.size <= size) {
      return { action: 'whole', from: local.part.size };
    }
  }
  if (size !== undefined && size > settings.multipartThreshold && head.ranges && head.etag !== undefined && partCount(size, settings.partSize) > 1) {
    return { action: 'parts', partSize: settings.partSize, done: [] };
  }
  return { action: 'whole', from: 0 };
}

export const partCount = (size: number, partSize: number): number => Math.ceil(size / partSize);
