import { S3Client } from '@aws-sdk/client-s3';
import { outputRegion, type OutputS3Settings } from '../remote-output/settings.js';
import { USER_AGENT } from '../version.js';

/**
 * The one SIGNED S3 client kind of stacflow: it writes outputs (`s3://` paths) and reads them back, and nothing
 * else. Credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID…, AWS_PROFILE, the web identity
 * token of a Kubernetes service account (IRSA), an ECS / AWS Batch task role, the instance's role). Requests go
 * only to `settings.endpoint` (or to AWS S3 when it is empty); the SDK's node:http handler follows no HTTP
 * redirect, so credentials never reach another origin. Label and image reads never use this client
 * (sdk-client.ts and client.ts: anonymous, undici).
 */

// As in sdk-client.ts: the SDK's Node 22 notice would clutter every run's stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const clients = new Map<string, S3Client>();

/** The client for these settings, one per (region, endpoint, path style) for the whole process. */
export function outputClientFor(settings: OutputS3Settings): S3Client {
  const region = outputRegion(settings);
  const endpoint = settings.endpoint || undefined;
  const key = `${region}|${endpoint ?? ''}|${settings.forcePathStyle}`;
  let client = clients.get(key);
  if (!client) {
    client = new S3Client({
      region,
      // On AWS, a bucket in another region is followed there (the SDK re-signs for it; same service, same
      // credentials). An endpoint of the user's own is used as it is.
      ...(endpoint ? { endpoint, forcePathStyle: settings.forcePathStyle } : { followRegionRedirects: true, forcePathStyle: settings.forcePathStyle }),
      // CRC32 of every part, sent in a header and checked by S3 (a part damaged on the way is refused).
      requestChecksumCalculation: 'WHEN_SUPPORTED',
      responseChecksumValidation: 'WHEN_SUPPORTED',
      // The SDK's standard retries (throttling, 5xx, resets), 3 attempts a request.
      maxAttempts: 3,
      customUserAgent: USER_AGENT,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    });
    clients.set(key, client);
  }
  return client;
}

/** Closes every output client's sockets (end of a run, end of a test file). Later calls make new clients. */
export function closeOutputClients(): void {
  for (const client of clients.values()) client.destroy();
  clients.clear();
}
