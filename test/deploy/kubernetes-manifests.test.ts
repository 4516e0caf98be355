import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parsePipeline } from '../../src/config/load.js';
import { STAGES } from '../../operators/index.js';
import { ROOT, dockerfileInstructions, entrypointCommand, kubernetesManifests, manifest, parseCommandLine, readText } from './deploy-files.js';

/**
 * deploy/kubernetes/ against the Kubernetes API's own schemas (1.36, strict as kubeconform -strict: an unknown
 * field is an error; test/fixtures/kubernetes/PROVENANCE.md), and against stacflow: the flags the containers pass
 * are parsed by the bins' real parsers, the pipeline they name is the one the ConfigMap holds, the shard count
 * is the same everywhere.
 */

const SCHEMA_FILES: Record<string, string> = {
  'batch/v1 Job': 'job-batch-v1.json',
  'v1 PersistentVolumeClaim': 'persistentvolumeclaim-v1.json',
  'v1 ConfigMap': 'configmap-v1.json',
};

const ajv = new Ajv({ allErrors: true, strictTypes: false, strictTuples: false });
// The OpenAPI formats the schemas keep (ajv knows none of them without ajv-formats).
ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i);

const validators = new Map<string, ValidateFunction>();
function validatorFor(apiVersion: string, kind: string): ValidateFunction {
  const key = `${apiVersion} ${kind}`;
  const file = SCHEMA_FILES[key];
  if (!file) throw new Error(`no schema vendored for ${key}: add it to test/fixtures/kubernetes/make-schemas.mjs and PROVENANCE.md`);
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/kubernetes', file), 'utf8')));
    validators.set(key, validate);
  }
  return validate;
}

/** The schema's complaints about `object`, as `/spec/template: must NOT have additional properties (restartPolicyy)`. */
function schemaErrors(object: Record<string, any>): string[] {
  const validate = validatorFor(object.apiVersion, object.kind);
  if (validate(object)) return [];
  return (validate.errors ?? [])
    .filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'allOf')
    .map((e) => `${e.instancePath || '/'}: ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`);
}

const shardJob = () => manifest('Job', 'stacflow-kaguya-tc');
const mergeJob = () => manifest('Job', 'stacflow-kaguya-tc-merge');
const planJob = () => manifest('Job', 'stacflow-kaguya-tc-plan');

/** The command line the container's process gets: its `command` if it has one, else the image's entrypoint's. */
function commandLine(job: Record<string, any>): string[] {
  const [container] = job.spec.template.spec.containers;
  return container.command ? [...container.command, ...(container.args ?? [])] : entrypointCommand(container.args ?? []);
}

describe('the manifests against the Kubernetes 1.36 schemas (strict)', () => {
  test.each(kubernetesManifests().map((m) => [`${m.file} #${m.index} ${m.object.kind} ${m.object.metadata?.name}`, m] as const))('%s is valid', (_, m) => {
    expect(schemaErrors(m.object)).toEqual([]);
  });

  test('every kind deploy/kubernetes needs is there: the shards, the merge, the plan, the volume, the pipeline', () => {
    const kinds = kubernetesManifests().map((m) => `${m.object.kind} ${m.object.metadata.name}`).sort();
    expect(kinds).toEqual([
      'ConfigMap stacflow-pipelines',
      'Job stacflow-kaguya-tc',
      'Job stacflow-kaguya-tc-merge',
      'Job stacflow-kaguya-tc-plan',
      'PersistentVolumeClaim stacflow-work',
    ]);
  });

  // The schemas are strict, or they would prove nothing: a typo, a wrong type, a missing field are refused.
  test('a misspelt field is refused, as kubectl --validate=strict would', () => {
    const job = shardJob();
    job.spec.backofLimitPerIndex = job.spec.backoffLimitPerIndex;
    job.spec.template.spec.containers[0].volumeMount = [];
    expect(schemaErrors(job)).toEqual([
      '/spec: must NOT have additional properties (backofLimitPerIndex)',
      '/spec/template/spec/containers/0: must NOT have additional properties (volumeMount)',
    ]);
  });

  test('a wrong type, a missing required field and another kind are refused', () => {
    const job = shardJob();
    job.spec.completions = '64';
    delete job.spec.template.spec.containers;
    job.kind = 'CronJob';
    expect(schemaErrors({ ...job, apiVersion: 'batch/v1', kind: 'Job' }).sort()).toEqual(['/spec/completions: must be integer', "/spec/template/spec: must have required property 'containers'"]);
    expect(() => schemaErrors(job)).toThrow('no schema vendored for batch/v1 CronJob');
    const validateConfigMap = validatorFor('v1', 'ConfigMap');
    expect(validateConfigMap({ ...manifest('ConfigMap', 'stacflow-pipelines'), apiVersion: 'v2' })).toBe(false);
    expect(validateConfigMap.errors).toContainEqual(expect.objectContaining({ instancePath: '/apiVersion', keyword: 'const' }));
  });

  test('quantities and resources read as the API server reads them: "1", 1, 250m, 2Gi', () => {
    const job = shardJob();
    job.spec.template.spec.containers[0].resources = { requests: { cpu: 1, memory: '1Gi' }, limits: { cpu: '250m', memory: 2147483648 } };
    expect(schemaErrors(job)).toEqual([]);
    job.spec.template.spec.containers[0].resources.requests.cpu = true;
    expect(schemaErrors(job)).toContain('/spec/template/spec/containers/0/resources/requests/cpu: must be string');
  });
});

describe('the Indexed Job of the shards', () => {
  test('is Indexed, N completions N at a time, each index retried alone, pods never restarted in place', () => {
    const { spec } = shardJob();
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.completions).toBeGreaterThan(1);
    expect(spec.parallelism).toBe(spec.completions);
    expect(spec.backoffLimitPerIndex).toBeGreaterThanOrEqual(1);
    // backoffLimit with backoffLimitPerIndex: the Job's whole budget would end every index's retries.
    expect(spec.backoffLimit).toBeUndefined();
    expect(spec.podReplacementPolicy).toBe('Failed');
    expect(spec.template.spec.restartPolicy).toBe('Never');
  });

  test('N is the same in completions, --shards of every shard and --shards of the merge and the plan', async () => {
    const n = shardJob().spec.completions;
    for (const job of [shardJob(), mergeJob(), planJob()]) expect((await parseCommandLine(commandLine(job))).shards).toBe(n);
  });

  test("the shards' command line is one run-pipeline accepts: the pipeline, --shards (the index from JOB_COMPLETION_INDEX), --set", async () => {
    const line = commandLine(shardJob());
    expect(line.slice(0, 4)).toEqual(['run-pipeline', '/pipelines/kaguya-tc.yaml', '--shards', '64']);
    const args = await parseCommandLine(line);
    expect(args).toMatchObject({ file: '/pipelines/kaguya-tc.yaml', shards: 64, set: ['state=.stacflow/kaguya-tc.sqlite'] });
    expect(args.shard).toBeUndefined();
    // The index comes from Kubernetes: nothing in the manifest may set it (it would give every pod the same one).
    const env = shardJob().spec.template.spec.containers[0].env ?? [];
    expect(env.map((e: { name: string }) => e.name)).not.toContain('JOB_COMPLETION_INDEX');
  });

  test("a failed pod's exit 2 (invalid pipeline, the same in every shard) fails the Job; disruptions spend no retry", () => {
    const { spec } = shardJob();
    const [container] = spec.template.spec.containers;
    expect(spec.podFailurePolicy.rules).toEqual([
      { action: 'FailJob', onExitCodes: { containerName: container.name, operator: 'In', values: [2] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    ]);
  });

  test('runs as the image user, on a read-only root, with memory requests and limits and a heap below the limit', () => {
    const pod = shardJob().spec.template.spec;
    const [container] = pod.containers;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.stringMatching(/Gi$/) });
    const limitMiB = Number.parseInt(container.resources.limits.memory, 10) * 1024;
    const heap = /--max-old-space-size=(\d+)/.exec(container.env.find((e: { name: string }) => e.name === 'NODE_OPTIONS').value);
    expect(Number(heap?.[1])).toBeLessThan(limitMiB);
  });
});

describe('volumes and the pipeline', () => {
  test('the shards, the merge and the plan share the ReadWriteMany claim at /work, the image working directory', () => {
    const pvc = manifest('PersistentVolumeClaim', 'stacflow-work');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    const workdir = dockerfileInstructions().filter((i) => i.keyword === 'WORKDIR').at(-1)?.args;
    expect(workdir).toBe('/work');
    for (const job of [shardJob(), mergeJob(), planJob()]) {
      const pod = job.spec.template.spec;
      const volume = pod.volumes.find((v: { persistentVolumeClaim?: { claimName: string } }) => v.persistentVolumeClaim?.claimName === pvc.metadata.name);
      expect(volume).toBeDefined();
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: volume.name, mountPath: workdir });
    }
  });

  test('/pipelines/kaguya-tc.yaml, the file the containers name, is a key of the ConfigMap mounted at /pipelines', () => {
    const configMap = manifest('ConfigMap', 'stacflow-pipelines');
    for (const job of [shardJob(), mergeJob(), planJob()]) {
      const pod = job.spec.template.spec;
      const volume = pod.volumes.find((v: { configMap?: { name: string } }) => v.configMap?.name === configMap.metadata.name);
      const mount = pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === volume.name);
      const file = commandLine(job).find((arg) => arg.endsWith('.yaml'))!;
      expect(path.posix.dirname(file)).toBe(mount.mountPath);
      expect(Object.keys(configMap.data)).toContain(path.posix.basename(file));
    }
  });

  test("the ConfigMap holds pipelines/kaguya-tc.yaml byte for byte (the image's copy at /pipelines is the same file)", () => {
    const configMap = manifest('ConfigMap', 'stacflow-pipelines');
    // When this fails, pipelines/kaguya-tc.yaml changed: make the ConfigMap again as its header says.
    expect(configMap.data['kaguya-tc.yaml']).toBe(readText('pipelines', 'kaguya-tc.yaml'));
    const copies = dockerfileInstructions().filter((i) => i.keyword === 'COPY' && / \/pipelines$/.test(i.args));
    expect(copies.map((i) => i.args)).toEqual(['--from=build /app/pipelines /pipelines']);
    expect(existsSync(path.join(ROOT, 'pipelines', 'kaguya-tc.yaml'))).toBe(true);
  });

  test("the pipeline with the shards' --set and environment is valid (as run-pipeline would load it)", async () => {
    const configMap = manifest('ConfigMap', 'stacflow-pipelines');
    const args = await parseCommandLine(commandLine(shardJob()));
    const env = Object.fromEntries((shardJob().spec.template.spec.containers[0].env ?? []).map((e: { name: string; value: string }) => [e.name, e.value]));
    const pipeline = parsePipeline(configMap.data['kaguya-tc.yaml'], '/pipelines/kaguya-tc.yaml', STAGES, env, { set: args.set as string[] });
    expect(pipeline.name).toBe('kaguya-tc');
    expect(pipeline.state).toBe('.stacflow/kaguya-tc.sqlite');
  });

  test('the merge and plan run stacflow commands with flags they accept', async () => {
    expect(await parseCommandLine(commandLine(mergeJob()))).toMatchObject({ _: ['merge'], file: '/pipelines/kaguya-tc.yaml', shards: 64 });
    expect(await parseCommandLine(commandLine(planJob()))).toMatchObject({ _: ['plan'], file: '/pipelines/kaguya-tc.yaml', shards: 64, out: '/work/kaguya-tc.plan.json' });
    // The merge fails for want of shards, not by chance: no retries.
    expect(mergeJob().spec.backoffLimit).toBe(0);
  });

  test('a flag run-pipeline does not know is refused by the same parser (the checks above can fail)', async () => {
    await expect(parseCommandLine(['run-pipeline', '/pipelines/kaguya-tc.yaml', '--shard-count', '64'])).rejects.toThrow('unknown option "--shard-count"');
    await expect(parseCommandLine(['stacflow', 'merge', '/pipelines/kaguya-tc.yaml', '--shard', '64'])).rejects.toThrow(/unknown option "--shard"/);
  });
});
