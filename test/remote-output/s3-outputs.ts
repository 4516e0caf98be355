/** The sandbox's s3rver as the target of s3:// outputs: credentials in the environment, an output bucket. */
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';
import { DEFAULT_OUTPUT_S3, type OutputS3Settings } from '../../src/remote-output/settings.js';
import { closeOutputClients, outputClientFor } from '../../src/s3/output-client.js';

export const OUTPUT_BUCKET = 'stacflow-outputs';
/** s3rver's keys (it checks SigV4 signatures made with them). */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

export interface OutputFixture {
  sandbox: Sandbox;
  settings: OutputS3Settings;
  /** The object's bytes, or undefined when there is none. */
  object(key: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

/** Starts the sandbox, puts the test's credentials in this process's environment, makes the output bucket. */
export async function startOutputFixture(options: SandboxOptions = {}): Promise<OutputFixture> {
  const saved = { ...process.env };
  Object.assign(process.env, S3RVER_CREDENTIALS);
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION']) delete process.env[name];
  const sandbox = await startSandbox({ seed: 7, itemsPerCollection: 20, ...options });
  const settings: OutputS3Settings = { ...DEFAULT_OUTPUT_S3, endpoint: sandbox.s3Endpoint, forcePathStyle: true, partSizeBytes: 5 * 1024 * 1024 };
  await outputClientFor(settings).send(new CreateBucketCommand({ Bucket: OUTPUT_BUCKET }));
  const client = outputClientFor(settings);
  return {
    sandbox,
    settings,
    async object(key) {
      const exists = await client.send(new HeadObjectCommand({ Bucket: OUTPUT_BUCKET, Key: key })).then(() => true, () => false);
      if (!exists) return undefined;
      const answer = await client.send(new GetObjectCommand({ Bucket: OUTPUT_BUCKET, Key: key }));
      return Buffer.from(await answer.Body!.transformToByteArray());
    },
    async close() {
      closeOutputClients();
      await sandbox.close();
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    },
  };
}
