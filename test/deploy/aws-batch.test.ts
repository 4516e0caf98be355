import {
  ArrayJobDependency,
  EFSAuthorizationConfigIAM,
  EFSTransitEncryption,
  JobDefinitionType,
  PlatformCapability,
  RegisterJobDefinitionRequest$,
  ResourceType,
  RetryAction,
  SubmitJobRequest$,
} from '@aws-sdk/client-batch';
import { entrypointCommand, parseCommandLine, readJson } from './deploy-files.js';
import { requiredMembers, shapeErrors } from './aws-shape.js';

/**
 * deploy/aws-batch/ against the AWS Batch API's shapes, as the AWS SDK v3 models them (@aws-sdk/client-batch:
 * RegisterJobDefinitionRequest for `aws batch register-job-definition --cli-input-json`, SubmitJobRequest for
 * `aws batch submit-job --cli-input-json`), the enums the SDK exports, the bounds of the API reference, and the
 * bins' real parsers for the commands the jobs run.
 */

type Json = Record<string, any>;
const jobDefinition = () => readJson('deploy/aws-batch/job-definition.json') as Json;
const arrayJob = () => readJson('deploy/aws-batch/submit-array-job.json') as Json;
const mergeJob = () => readJson('deploy/aws-batch/submit-merge-job.json') as Json;

/** The container's command after Batch's parameter substitution (`Ref::shards`; the submission's values win). */
function substituted(command: readonly string[], ...parameters: (Json | undefined)[]): string[] {
  const values = Object.assign({}, ...parameters.map((p) => p ?? {}));
  return command.map((arg) => arg.replace(/Ref::(\w+)/g, (ref, name: string) => values[name] ?? ref));
}

describe('the shapes of the Batch API (AWS SDK v3 model)', () => {
  test('job-definition.json is a RegisterJobDefinitionRequest', () => {
    expect(shapeErrors(jobDefinition(), RegisterJobDefinitionRequest$)).toEqual([]);
  });

  test.each([['submit-array-job.json', arrayJob], ['submit-merge-job.json', mergeJob]])('%s is a SubmitJobRequest', (_, read) => {
    expect(shapeErrors(read(), SubmitJobRequest$)).toEqual([]);
  });

  test('the model is read right: the required members are those of the API reference', () => {
    expect(requiredMembers(RegisterJobDefinitionRequest$)).toEqual(['jobDefinitionName', 'type']);
    expect(requiredMembers(SubmitJobRequest$)).toEqual(['jobName', 'jobQueue', 'jobDefinition']);
  });

  // Or the checks above would prove nothing.
  test('an unknown member, a wrong type and a missing required member are refused', () => {
    const definition = jobDefinition();
    definition.containerProperties.entryPoint = ['stacflow'];
    definition.retryStrategy.attempts = '3';
    delete definition.type;
    expect(shapeErrors(definition, RegisterJobDefinitionRequest$)).toEqual([
      expect.stringMatching(/^\$\.containerProperties\.entryPoint: not a member of ContainerProperties/),
      '$.retryStrategy.attempts: expected a number, got "3"',
      '$: RegisterJobDefinitionRequest requires type',
    ]);
  });

  test('enum members take values of the SDK enums', () => {
    const definition = jobDefinition();
    expect(Object.values(JobDefinitionType)).toContain(definition.type);
    for (const capability of definition.platformCapabilities) expect(Object.values(PlatformCapability)).toContain(capability);
    for (const { type } of definition.containerProperties.resourceRequirements) expect(Object.values(ResourceType)).toContain(type);
    for (const { action } of definition.retryStrategy.evaluateOnExit) expect(Object.values(RetryAction)).toContain(action);
    for (const { efsVolumeConfiguration: efs } of definition.containerProperties.volumes) {
      expect(Object.values(EFSTransitEncryption)).toContain(efs.transitEncryption);
      expect(Object.values(EFSAuthorizationConfigIAM)).toContain(efs.authorizationConfig.iam);
    }
  });
});

describe('the job definition', () => {
  test('has what the API reference bounds: timeout >= 60 s, 1-10 attempts, <= 5 exit rules with valid patterns, MiB and vCPUs', () => {
    const definition = jobDefinition();
    expect(definition.jobDefinitionName).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/);
    expect(definition.timeout.attemptDurationSeconds).toBeGreaterThanOrEqual(60);
    expect(definition.retryStrategy.attempts).toBeGreaterThanOrEqual(1);
    expect(definition.retryStrategy.attempts).toBeLessThanOrEqual(10);
    const rules = definition.retryStrategy.evaluateOnExit as Json[];
    expect(rules.length).toBeLessThanOrEqual(5);
    for (const rule of rules) {
      if (rule.onExitCode !== undefined) expect(rule.onExitCode).toMatch(/^\d+\*?$/);
      if (rule.onStatusReason !== undefined) expect(rule.onStatusReason).toMatch(/^[A-Za-z0-9.: ]+\*?$/);
    }
    const resources = Object.fromEntries(definition.containerProperties.resourceRequirements.map((r: Json) => [r.type, r.value]));
    expect(resources.VCPU).toMatch(/^\d+(\.\d+)?$/);
    expect(resources.MEMORY).toMatch(/^\d+$/);
    const heap = /--max-old-space-size=(\d+)/.exec(definition.containerProperties.environment.find((e: Json) => e.name === 'NODE_OPTIONS').value);
    expect(Number(heap?.[1])).toBeLessThan(Number(resources.MEMORY));
  });

  test('exit 2 (an invalid pipeline: every child would fail alike) is not retried; a lost host is', () => {
    const rules = jobDefinition().retryStrategy.evaluateOnExit as Json[];
    expect(rules[0]).toEqual({ onExitCode: '2', action: 'EXIT' });
    expect(rules).toContainEqual({ onStatusReason: 'Host EC2*', action: 'RETRY' });
  });

  test('runs `run-pipeline PIPELINE --shards N` (the index from AWS_BATCH_JOB_ARRAY_INDEX), with a role for S3 and a shared volume at /work', async () => {
    const definition = jobDefinition();
    const line = entrypointCommand(substituted(definition.containerProperties.command, definition.parameters));
    expect(line.slice(0, 4)).toEqual(['run-pipeline', '/pipelines/kaguya-tc.yaml', '--shards', '64']);
    expect(await parseCommandLine(line)).toMatchObject({ file: '/pipelines/kaguya-tc.yaml', shards: 64, set: ['state=.stacflow/kaguya-tc.sqlite'] });
    const env = (definition.containerProperties.environment as Json[]).map((e) => e.name);
    expect(env).not.toContain('AWS_BATCH_JOB_ARRAY_INDEX');
    expect(definition.containerProperties.jobRoleArn).toMatch(/^arn:aws:iam::\d{12}:role\//);
    expect(definition.containerProperties.mountPoints).toEqual([{ sourceVolume: definition.containerProperties.volumes[0].name, containerPath: '/work', readOnly: false }]);
    // The init process forwards Batch's SIGTERM and reaps children; run-pipeline then cancels the run cleanly.
    expect(definition.containerProperties.linuxParameters.initProcessEnabled).toBe(true);
  });
});

describe('the submissions', () => {
  test('the array job has N children and passes --shards N: the same N', async () => {
    const submission = arrayJob();
    expect(submission.jobDefinition).toBe(jobDefinition().jobDefinitionName);
    expect(submission.arrayProperties.size).toBeGreaterThanOrEqual(2);
    expect(submission.arrayProperties.size).toBeLessThanOrEqual(10_000);
    const line = entrypointCommand(substituted(jobDefinition().containerProperties.command, jobDefinition().parameters, submission.parameters));
    expect((await parseCommandLine(line)).shards).toBe(submission.arrayProperties.size);
  });

  test('the merge depends on the whole array job (no N_TO_N, no SEQUENTIAL) and runs `stacflow merge --shards N`', async () => {
    const submission = mergeJob();
    expect(submission.dependsOn).toEqual([{ jobId: expect.any(String) }]);
    for (const dependency of submission.dependsOn) expect(dependency.type).toBeUndefined();
    expect(Object.values(ArrayJobDependency)).toEqual(expect.arrayContaining(['N_TO_N', 'SEQUENTIAL']));
    expect(submission.arrayProperties).toBeUndefined();
    const line = entrypointCommand(submission.containerOverrides.command);
    expect(await parseCommandLine(line)).toMatchObject({ _: ['merge'], file: '/pipelines/kaguya-tc.yaml', shards: arrayJob().arrayProperties.size });
  });
});
