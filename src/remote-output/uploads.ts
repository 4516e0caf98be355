/**
 * What this process uploaded, by URL: the size and ETag S3 answered to the HEAD after the upload. The state
 * records them for the snapshot outputs (src/engine/kept-outputs.ts), so that the next run can tell, by one
 * HEAD, that the object is still the one it wrote.
 */
export interface UploadedObject {
  readonly url: string;
  readonly size: number;
  readonly etag: string;
  /** 1 for a single PutObject. */
  readonly parts: number;
}

const uploaded = new Map<string, UploadedObject>();

export function recordUpload(object: UploadedObject): void {
  uploaded.set(object.url, object);
}

export function lastUpload(url: string): UploadedObject | undefined {
  return uploaded.get(url);
}
