import type { HttpLimits } from '../http/limits.js';

/** S3 settings of a pipeline (`s3:` in YAML); used by every stage that reads S3 hrefs. */
export interface S3Settings {
  region: string;
  anonymous: boolean;
  /** A local S3-compatible endpoint (path-style), e.g. the sandbox. Empty: AWS. */
  endpoint?: string;
  /** The run's `http:` limits (timeouts, error-body cap, retries); DEFAULT_LIMITS when absent. */
  limits?: HttpLimits;
}
