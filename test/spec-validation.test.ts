import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { ConfigError } from '../constructs/config-error';
import { ENVIRONMENTS, GITOPS } from '../constructs/environments';
import { EnvironmentSpec, WorkloadKind } from '../constructs/environment-spec';
import { SearchOpsApp } from '../constructs/search-ops-app';
import { readTree } from './support/synth';

const [dev, staging, prod] = ENVIRONMENTS;

/** A prod spec with one change. */
function prodWith(change: Partial<EnvironmentSpec>): EnvironmentSpec {
  return { ...prod, ...change };
}

const canary = (steps: EnvironmentSpec['delivery']['canary']['steps']) => prodWith({ delivery: { canary: { steps } } });

/** A dist/ with known content, to prove that a failed synth leaves it alone. */
function existingDist(): string {
  const outdir = join(mkdtempSync(join(tmpdir(), 'search-ops-bad-')), 'dist');
  mkdirSync(join(outdir, 'prod'), { recursive: true });
  writeFileSync(join(outdir, 'prod', 'Rollout.search-engine.k8s.yaml'), 'previous content\n');
  return outdir;
}

function synthFails(environments: readonly EnvironmentSpec[]): { message: string; outdir: string } {
  const outdir = existingDist();
  const before = readTree(outdir);
  let message = '';
  try {
    new SearchOpsApp({ environments, gitops: GITOPS, outdir }).synth();
  } catch (error) {
    message = (error as Error).message;
  }
  expect(readTree(outdir)).toEqual(before);
  expect(readdirSync(dirname(outdir))).toEqual(['dist']);
  return { message, outdir };
}

describe('GIVEN a bad configuration WHEN synthesizing THEN it names environment, field, value and rule, and writes nothing', () => {
  test.each<[string, readonly EnvironmentSpec[], string]>([
    ['a canary weight above 100', [canary([{ weight: 50 }, { weight: 120 }])],
      "environment 'prod': 'delivery.canary.steps[1].weight' (120) must be an integer between 1 and 100"],
    ['a canary weight of zero', [canary([{ weight: 0 }])],
      "environment 'prod': 'delivery.canary.steps[0].weight' (0) must be an integer between 1 and 100"],
    ['canary weights that do not increase', [canary([{ weight: 50 }, { weight: 20 }])],
      "environment 'prod': 'delivery.canary.steps[1].weight' (20) must be greater than the previous step's weight (50)"],
    ['a canary without steps', [canary([])],
      "environment 'prod': 'delivery.canary.steps' ([]) must contain at least one step"],
    ['the latest tag', [prodWith({ image: { ...prod.image, tag: 'latest' } })],
      "environment 'prod': 'image.tag' ('latest') must be a pinned tag, not 'latest', so that every rollout is reproducible"],
    ['an empty tag', [prodWith({ image: { ...prod.image, tag: '' } })],
      "environment 'prod': 'image.tag' ('') must be a pinned tag, not empty"],
    ['a tag inside the repository', [prodWith({ image: { ...prod.image, repository: 'registry.example.com/engine:1.0' } })],
      "environment 'prod': 'image.repository' ('registry.example.com/engine:1.0') must not carry a tag or digest; set 'image.tag' and 'image.digest' instead"],
    ['a malformed digest', [prodWith({ image: { ...prod.image, digest: 'md5:abc' } })],
      "environment 'prod': 'image.digest' ('md5:abc') must match /^sha256:[a-f0-9]{64}$/"],
    ['autoscaling min above max', [prodWith({ autoscaling: { minReplicas: 8, maxReplicas: 4 }, replicas: 6 })],
      "environment 'prod': 'autoscaling.minReplicas' (8) must not exceed 'autoscaling.maxReplicas' (4)"],
    ['replicas outside the autoscaling bounds', [prodWith({ replicas: 30 })],
      "environment 'prod': 'replicas' (30) must be between 'autoscaling.minReplicas' (6) and 'autoscaling.maxReplicas' (24)"],
    ['a PodDisruptionBudget that blocks every eviction', [prodWith({ maxUnavailable: 0 })],
      "environment 'prod': 'maxUnavailable' (0) must be an integer of at least 1: a PodDisruptionBudget allowing no disruption blocks every node drain"],
    ['a missing Secret name', [prodWith({ dependencies: { ...prod.dependencies, mongodb: { ...prod.dependencies.mongodb, uriSecret: { name: '', key: 'uri' } } } })],
      "environment 'prod': 'dependencies.mongodb.uriSecret.name' ('') must name an existing Secret that holds the MongoDB connection string"],
    ['a missing Secret key', [prodWith({ dependencies: { ...prod.dependencies, mongodb: { ...prod.dependencies.mongodb, uriSecret: { name: 'mongo', key: '' } } } })],
      "environment 'prod': 'dependencies.mongodb.uriSecret.key' ('') must name the key of that Secret: letters, digits, '-', '_' or '.'"],
    ['an embedding URL that is not http', [prodWith({ dependencies: { ...prod.dependencies, embedding: { url: 'grpc://embedding:9000', modelVersion: 'm@1' } } })],
      "environment 'prod': 'dependencies.embedding.url' ('grpc://embedding:9000') must be an http:// or https:// URL"],
    ['a Redis port out of range', [prodWith({ dependencies: { ...prod.dependencies, redis: { ...prod.dependencies.redis, port: 70000 } } })],
      "environment 'prod': 'dependencies.redis.port' (70000) must be an integer between 1 and 65535"],
    ['a request above its limit', [prodWith({ resources: { ...prod.resources, health: { ...prod.resources.health, memory: { request: Size.mebibytes(512), limit: Size.mebibytes(128) } } } })],
      "environment 'prod': 'resources.health.memory.request' ('512Mi') must not exceed the limit ('128Mi')"],
    ['a container without a CPU limit', [prodWith({ resources: { ...prod.resources, engine: { ...prod.resources.engine, cpu: { request: prod.resources.engine.cpu!.request } } } })],
      "environment 'prod': 'resources.engine.cpu' ({\"request\":\"2\"}) must set both a request and a limit: every container needs them"],
    ['a namespace that is not a DNS label', [prodWith({ namespace: 'Search_Prod' })],
      "environment 'prod': 'namespace' ('Search_Prod') must be a DNS label: lower-case letters, digits and '-', at most 63 characters"],
    ['a zero progress deadline', [prodWith({ delivery: { canary: { ...prod.delivery.canary, progressDeadline: Duration.seconds(0) } } })],
      "environment 'prod': 'delivery.canary.progressDeadline' ('0s') must be longer than zero"],
    ['an abort scale-down delay on a canary', [prodWith({ delivery: { canary: { ...prod.delivery.canary, abortScaleDownDelay: Duration.minutes(5) } } })],
      "environment 'prod': 'delivery.canary.abortScaleDownDelay' ('300s') applies only to the 'blueGreen' strategy: with no traffic router, Argo Rollouts scales an aborted canary down at once"],
    ['a canary image on the Rollout workload', [prodWith({ delivery: { ...prod.delivery, canaryImage: { ...prod.image, tag: '2.0.0' } } })],
      "environment 'prod': 'delivery.canaryImage' ('2.0.0') applies only to the 'deployments' workload; a Rollout takes its candidate from 'image'"],
    ['an SLO objective of 100 %', [prodWith({ slo: { availability: { objective: 1 } } })],
      "environment 'prod': 'slo.availability.objective' (1) must be between 0 and 1, both excluded"],
    ['an environment named like an output folder', [{ ...dev, name: 'helm' }, prod],
      "environment 'helm': 'name' ('helm') is reserved for a folder of generated output (argocd, audit, helm, monitoring)"],
  ])('%s', (_case, environments, expected) => {
    const { message } = synthFails(environments);
    expect(message).toBe(`invalid search-ops configuration:\n  - ${expected}`);
  });

  test('prod with fewer than 2 replicas names both replica fields', () => {
    const { message } = synthFails([prodWith({ replicas: 1, autoscaling: { minReplicas: 1, maxReplicas: 4 } })]);
    expect(message).toBe([
      'invalid search-ops configuration:',
      "  - environment 'prod': 'replicas' (1) must be at least 2 in a production environment, so that losing one pod is not an outage",
      "  - environment 'prod': 'autoscaling.minReplicas' (1) must be at least 2 in a production environment, so that losing one pod is not an outage",
    ].join('\n'));
  });

  test('two environments with the same name', () => {
    const { message } = synthFails([staging, { ...staging, namespace: 'search-staging-2' }, prod]);
    expect(message).toBe("invalid search-ops configuration:\n  - environment 'staging': 'name' ('staging') is declared twice; environment names must be unique");
  });

  test('two environments with the same namespace', () => {
    const { message } = synthFails([{ ...staging, namespace: 'search-prod' }, prod]);
    expect(message).toBe("invalid search-ops configuration:\n  - environment 'prod': 'namespace' ('search-prod') is already used by environment 'staging'; namespaces must be unique");
  });

  test('every problem of a configuration is reported at once', () => {
    const { message } = synthFails([prodWith({ image: { ...prod.image, tag: 'latest' }, maxUnavailable: 0 })]);
    expect(message.split('\n')).toHaveLength(3);
  });

  test('a Helm environment that does not exist', () => {
    expect(() => new SearchOpsApp({ environments: [dev], gitops: GITOPS, outdir: existingDist() }))
      .toThrow(new ConfigError(["'helmEnvironment' ('prod') must name a declared environment"]));
  });

  test('a failure during synthesis itself (a construct validation) also leaves dist/ untouched', () => {
    const outdir = existingDist();
    const before = readTree(outdir);
    const app = new SearchOpsApp({ environments: ENVIRONMENTS, gitops: GITOPS, outdir });
    const probe = new Construct(app.environments[2], 'FailingProbe');
    probe.node.addValidation({ validate: () => ['late failure'] });
    expect(() => app.synth()).toThrow(/late failure/);
    expect(readTree(outdir)).toEqual(before);
    expect(readdirSync(dirname(outdir))).toEqual(['dist']);
  });

  test('a good configuration replaces dist/ completely, dropping stale files', () => {
    const outdir = existingDist();
    writeFileSync(join(outdir, 'prod', 'Stale.k8s.yaml'), 'stale\n');
    new SearchOpsApp({ environments: ENVIRONMENTS, gitops: GITOPS, outdir }).synth();
    expect(existsSync(join(outdir, 'prod', 'Stale.k8s.yaml'))).toBe(false);
    expect(readTree(outdir).get('prod/Rollout.search-engine.k8s.yaml')).toContain('kind: Rollout');
    expect(readdirSync(dirname(outdir))).toEqual(['dist']);
  });

  test('the Deployments workload is accepted with a canary image', () => {
    const plain = prodWith({ delivery: { ...prod.delivery, workload: WorkloadKind.DEPLOYMENTS, canaryImage: { ...prod.image, tag: '2.0.0' } } });
    expect(() => new SearchOpsApp({ environments: [plain], gitops: GITOPS, outdir: existingDist() })).not.toThrow();
  });
});

describe('GIVEN a bad backup configuration WHEN synthesizing', () => {
  const backup = prod.backup!;
  test.each<[string, EnvironmentSpec['backup'], string]>([
    ['two destinations', { ...backup, destination: { volumeClaim: 'b', objectStorageUrl: 's3://bucket/x', objectStorageSecret: 's' } },
      `'backup.destination' ({"volumeClaim":"b","objectStorageUrl":"s3://bucket/x","objectStorageSecret":"s"}) must name exactly one of 'volumeClaim' and 'objectStorageUrl'`],
    ['a bucket without credentials', { ...backup, destination: { objectStorageUrl: 's3://bucket/x' } },
      "'backup.destination.objectStorageSecret' (undefined) must name the Secret that holds the bucket credentials"],
    ['a bucket URL of another scheme', { ...backup, destination: { objectStorageUrl: 'gs://bucket', objectStorageSecret: 's' } },
      "'backup.destination.objectStorageUrl' ('gs://bucket') must be s3://bucket/prefix"],
    ['no retention', { ...backup, retentionDays: 0 }, "'backup.retentionDays' (0) must be an integer of at least 1"],
    ['a latest backup image', { ...backup, image: { ...backup.image, tag: 'latest' } },
      "'backup.image.tag' ('latest') must be a pinned tag, not 'latest', so that every rollout is reproducible"],
  ])('THEN %s is refused', (_case, bad, expected) => {
    const { message } = synthFails([prodWith({ backup: bad })]);
    expect(message).toBe(`invalid search-ops configuration:\n  - environment 'prod': ${expected}`);
  });
});
