import { Cron, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { EnvironmentSpec, GitOpsSpec, WorkloadResources } from './environment-spec';
import RELEASES from './releases.json';

/**
 * The one place where environments are declared. What changes with every
 * release (the image tag, the embedding model) lives in releases.json, which the delivery pipeline
 * and scripts/set-image-tag.ts edit.
 */

const IMAGE_REPOSITORY = 'registry.example.com/search/engine';

const SMALL_RESOURCES: WorkloadResources = {
  engine: {
    cpu: { request: Cpu.millis(250), limit: Cpu.millis(1000) },
    memory: { request: Size.mebibytes(512), limit: Size.mebibytes(1024) },
  },
  health: {
    cpu: { request: Cpu.millis(50), limit: Cpu.millis(200) },
    memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
  },
};

const PROD_RESOURCES: WorkloadResources = {
  engine: {
    cpu: { request: Cpu.units(2), limit: Cpu.units(4) },
    memory: { request: Size.gibibytes(4), limit: Size.gibibytes(4) },
  },
  health: {
    cpu: { request: Cpu.millis(100), limit: Cpu.millis(250) },
    memory: { request: Size.mebibytes(96), limit: Size.mebibytes(192) },
  },
};

/** mongodump, mongorestore, redis-cli, the aws CLI and a shell: see constructs/backup-scripts.ts. */
const BACKUP_IMAGE = { repository: 'registry.example.com/platform/search-backup-tools', tag: '2026.11.1' };

function dependencies(namespace: string, release: { embeddingModel: { current: string } }): EnvironmentSpec['dependencies'] {
  return {
    mongodb: { uriSecret: { name: 'search-engine-mongodb', key: 'uri' }, port: 27017, namespace: `${namespace}-data` },
    redis: { host: `redis.${namespace}-data.svc.cluster.local`, port: 6379, namespace: `${namespace}-data` },
    embedding: { url: 'http://embedding.ml-serving.svc.cluster.local:8000', namespace: 'ml-serving', modelVersion: release.embeddingModel.current },
  };
}

export const ENVIRONMENTS: readonly EnvironmentSpec[] = [
  {
    name: 'dev',
    namespace: 'search-dev',
    image: { repository: IMAGE_REPOSITORY, tag: RELEASES.dev.imageTag },
    replicas: 1,
    resources: SMALL_RESOURCES,
    autoscaling: { minReplicas: 1, maxReplicas: 2 },
    dependencies: dependencies('search-dev', RELEASES.dev),
    delivery: {
      canary: { steps: [{ weight: 50, pause: Duration.minutes(1) }] },
    },
    slo: { availability: { objective: 0.99 }, latency: { objective: 0.95 } },
  },
  {
    name: 'staging',
    namespace: 'search-staging',
    image: { repository: IMAGE_REPOSITORY, tag: RELEASES.staging.imageTag },
    replicas: 2,
    resources: SMALL_RESOURCES,
    autoscaling: { minReplicas: 2, maxReplicas: 4 },
    dependencies: dependencies('search-staging', RELEASES.staging),
    delivery: {
      canary: {
        steps: [
          { weight: 20, pause: Duration.minutes(2) },
          { weight: 50, pause: Duration.minutes(2) },
        ],
      },
    },
    slo: { availability: { objective: 0.995 } },
    backup: {
      schedule: Cron.daily(),
      rpo: Duration.hours(26),
      retentionDays: 3,
      destination: { volumeClaim: 'search-backups' },
      image: BACKUP_IMAGE,
    },
  },
  {
    name: 'prod',
    namespace: 'search-prod',
    production: true,
    image: { repository: IMAGE_REPOSITORY, tag: RELEASES.prod.imageTag },
    replicas: 6,
    resources: PROD_RESOURCES,
    autoscaling: { minReplicas: 6, maxReplicas: 24, targetCpuUtilization: 65 },
    dependencies: dependencies('search-prod', RELEASES.prod),
    delivery: {
      canary: {
        steps: [
          { weight: 5, pause: Duration.minutes(5) },
          { weight: 25, pause: Duration.minutes(10) },
          { weight: 50, pause: Duration.minutes(10) },
          { weight: 75, pause: Duration.minutes(10) },
        ],
        progressDeadline: Duration.minutes(15),
      },
    },
    backup: {
      schedule: Cron.hourly(),
      rpo: Duration.hours(2),
      retentionDays: 14,
      destination: { objectStorageUrl: 's3://search-prod-backups/mongodb-dumps', objectStorageSecret: 'search-backup-bucket' },
      image: BACKUP_IMAGE,
    },
  },
];

export const GITOPS: GitOpsSpec = {
  repoUrl: 'https://git.example.com/platform/search-ops.git',
};
