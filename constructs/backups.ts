import { ApiObject, Cron, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { IEnvVar, IVolume, IVolumeMount } from 'kubernetes-models/v1';
import { BACKUP_ENV, mongoBackupScript, mongoRestoreScript, redisBackupScript } from './backup-scripts';
import { DependencyEndpoint } from './dependency-endpoints';
import { BackupSpec, EnvironmentSpec } from './environment-spec';
import { DNS_EGRESS, dependencyEgress } from './network-policies';
import { ScheduledJob } from './scheduled-job';

export interface BackupsProps {
  readonly spec: EnvironmentSpec;
  readonly backup: BackupSpec;
}

export const BACKUP_NAMES = {
  serviceAccount: 'search-backup',
  mongodb: 'search-backup-mongodb',
  restore: 'search-restore-mongodb',
  redis: 'search-backup-redis',
  podLabel: 'search-backup',
} as const;

const JOB_RESOURCES = {
  cpu: { request: Cpu.millis(100), limit: Cpu.millis(1000) },
  memory: { request: Size.mebibytes(256), limit: Size.mebibytes(1024) },
};
const MOUNT = '/backups';

/**
 * Backups of the search data: a CronJob running mongodump to a volume or a
 * bucket with retention, a suspended restore template, optionally the cache's
 * RDB; their own ServiceAccount (no API token) and egress policy.
 * @see runbooks/restore-backup.md
 */
export class Backups extends Construct {
  public readonly schedule: Cron;
  public readonly rpo: Duration;
  public readonly retentionDays: number;
  public readonly cronJobName = BACKUP_NAMES.mongodb;

  public constructor(scope: Construct, id: string, props: BackupsProps) {
    super(scope, id);
    const { spec, backup } = props;
    const namespace = spec.namespace;
    this.schedule = backup.schedule ?? Cron.hourly();
    this.rpo = backup.rpo ?? Duration.hours(2);
    this.retentionDays = backup.retentionDays ?? 7;
    const destination = backup.destination;
    const podLabels = { 'app.kubernetes.io/name': BACKUP_NAMES.podLabel };

    new ApiObject(this, 'ServiceAccount', {
      apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: BACKUP_NAMES.serviceAccount, namespace }, automountServiceAccountToken: false,
    });

    const storage: { volume: IVolume; mount: IVolumeMount }[] = destination.volumeClaim === undefined
      ? [{ volume: { name: 'backups', emptyDir: { sizeLimit: '20Gi' } }, mount: { name: 'backups', mountPath: MOUNT } }]
      : [{ volume: { name: 'backups', persistentVolumeClaim: { claimName: destination.volumeClaim } }, mount: { name: 'backups', mountPath: MOUNT } }];
    const secretEnv = (name: string, key: string): IEnvVar => ({ name, valueFrom: { secretKeyRef: { name: destination.objectStorageSecret!, key } } });
    const env: IEnvVar[] = [
      { name: BACKUP_ENV.dir, value: MOUNT },
      { name: BACKUP_ENV.retentionDays, value: String(this.retentionDays) },
      ...(destination.objectStorageUrl === undefined ? [] : [
        { name: BACKUP_ENV.objectStorageUrl, value: destination.objectStorageUrl },
        ...(destination.objectStorageEndpoint === undefined ? [] : [{ name: BACKUP_ENV.endpoint, value: destination.objectStorageEndpoint }]),
        secretEnv('AWS_ACCESS_KEY_ID', 'AWS_ACCESS_KEY_ID'),
        secretEnv('AWS_SECRET_ACCESS_KEY', 'AWS_SECRET_ACCESS_KEY'),
      ]),
    ];
    const mongoUri: IEnvVar = { name: 'MONGODB_URI', valueFrom: { secretKeyRef: { ...spec.dependencies.mongodb.uriSecret } } };
    const common = { namespace, image: backup.image, resources: JOB_RESOURCES, serviceAccountName: BACKUP_NAMES.serviceAccount, podLabels, volumes: storage };

    new ScheduledJob(this, 'MongoDb', {
      ...common, name: BACKUP_NAMES.mongodb, schedule: this.schedule, command: ['/bin/sh', '-c', mongoBackupScript(destination)], env: [mongoUri, ...env],
    });
    new ScheduledJob(this, 'Restore', {
      ...common, name: BACKUP_NAMES.restore, command: ['/bin/sh', '-c', mongoRestoreScript(destination)], env: [mongoUri, ...env], activeDeadline: Duration.hours(4), backoffLimit: 0,
    });
    const redis = spec.dependencies.redis;
    if (backup.redisRdb === true) {
      new ScheduledJob(this, 'Redis', {
        ...common, name: BACKUP_NAMES.redis, schedule: this.schedule, command: ['/bin/sh', '-c', redisBackupScript(destination)],
        env: [{ name: 'REDIS_HOST', value: redis.host }, { name: 'REDIS_PORT', value: String(redis.port) }, ...env],
      });
    }

    const endpoints: DependencyEndpoint[] = [
      { name: 'mongodb', port: spec.dependencies.mongodb.port, namespace: spec.dependencies.mongodb.namespace },
      ...(backup.redisRdb === true ? [{ name: 'redis' as const, port: redis.port, namespace: redis.namespace }] : []),
    ];
    new ApiObject(this, 'NetworkPolicy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${BACKUP_NAMES.podLabel}-egress`, namespace },
      spec: {
        podSelector: { matchLabels: podLabels },
        policyTypes: ['Egress'],
        egress: [
          DNS_EGRESS,
          ...endpoints.map(dependencyEgress),
          // The bucket is outside the cluster, on HTTPS.
          ...(destination.objectStorageUrl === undefined ? [] : [{ ports: [{ protocol: 'TCP', port: 443 }] }]),
        ],
      },
    });
  }
}
