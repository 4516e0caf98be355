/**
 * How outputs named `s3://bucket/key` are written and read back (the pipeline's `outputs_s3:` block, issue 14):
 * SIGNED requests with the AWS default credential chain (environment, profile, a Kubernetes service account's
 * web identity, an ECS / AWS Batch task role, the instance's role), sent only to `endpoint` (or AWS when empty).
 * Reads of labels and images keep their own anonymous client (`s3:`): no credential ever goes there.
 */
export interface OutputS3Settings {
  /** The bucket's region; '' reads AWS_REGION / AWS_DEFAULT_REGION, else us-east-1 (AWS redirects are then followed). */
  readonly region: string;
  /** An S3-compatible endpoint (MinIO, the sandbox's s3rver); '' is AWS. */
  readonly endpoint: string;
  /** Path-style requests (`endpoint/bucket/key`); default: true with an endpoint, false on AWS. */
  readonly forcePathStyle: boolean;
  /** Upload part size: a file up to this size is one PutObject, a larger one a multipart upload of such parts. */
  readonly partSizeBytes: number;
  /** Parts uploaded at once. */
  readonly partsInFlight: number;
  /** Largest object read back (`stacflow merge` reading shard files); larger ones fail before their body is read. */
  readonly maxReadBytes: number;
  /** Deadline of one read back, head and body. */
  readonly readTimeoutMs: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_OUTPUT_S3: OutputS3Settings = Object.freeze({
  region: '',
  endpoint: '',
  forcePathStyle: false,
  partSizeBytes: 16 * MiB,
  partsInFlight: 4,
  maxReadBytes: 64 * 1024 * MiB,
  readTimeoutMs: 30 * 60_000,
});

/** S3's own floor for every part but the last. */
export const MIN_PART_BYTES = 5 * MiB;

let current: OutputS3Settings = DEFAULT_OUTPUT_S3;

/**
 * The settings every `s3://` output of this process uses from now on (a run sets its pipeline's before it opens
 * its outputs; `stacflow merge` likewise). One per process: the outputs are opened deep in the writers
 * (src/util/temp-output-file.ts), which take a path, not a context.
 */
export function useOutputS3Settings(settings: OutputS3Settings | undefined): void {
  current = settings ?? DEFAULT_OUTPUT_S3;
}

export function outputS3Settings(): OutputS3Settings {
  return current;
}

/** The region requests are signed for: the setting, else the AWS environment's, else us-east-1. */
export function outputRegion(settings: OutputS3Settings): string {
  return settings.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
}
