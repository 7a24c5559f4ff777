import { Cron, Duration } from 'cdk8s';
import { ContainerResources } from 'cdk8s-plus-27';
import { SloOverrides } from '../monitoring/slo';

/**
 * One environment of search-ops: everything that differs between dev, staging and prod.
 * Plain data; `validateEnvironments` checks it before any construct is created.
 */
export interface EnvironmentSpec {
  /** Short name, also the folder under `dist/` (`dist/<name>/`). */
  readonly name: string;
  readonly namespace: string;
  /**
   * A production environment must survive the loss of a pod: at least 2 replicas.
   * @default false
   */
  readonly production?: boolean;
  readonly image: ImageSpec;
  /** Initial replica count; the HorizontalPodAutoscaler owns it afterwards. */
  readonly replicas: number;
  readonly resources: WorkloadResources;
  readonly autoscaling: AutoscalingSpec;
  readonly dependencies: DependenciesSpec;
  readonly delivery: DeliverySpec;
  /**
   * Pods that voluntary evictions (node drains, upgrades) may take down at once.
   * @default 1
   */
  readonly maxUnavailable?: number;
  /** @default - the defaults of NetworkSpec */
  readonly network?: NetworkSpec;
  /** @default - no backups (the environment's data is disposable) */
  readonly backup?: BackupSpec;
  /** @default - a suspended template, run on demand with scripts/index-rebuild.ts */
  readonly indexRebuild?: IndexRebuildSpec;
  /**
   * Overrides of the SLO defaults of DESIGN.md.
   * @default - the prod objectives
   */
  readonly slo?: SloOverrides;
}

export interface ImageSpec {
  /** Registry and repository, without tag: `registry.example.com/search/engine`. */
  readonly repository: string;
  /** A pinned tag; `latest` is refused. */
  readonly tag: string;
  /**
   * Content digest (`sha256:...`); when set, the image is pulled by digest.
   * @default - pulled by tag
   */
  readonly digest?: string;
}

export interface WorkloadResources {
  /** The C++ search engine container. */
  readonly engine: ContainerResources;
  /** The health server sidecar. */
  readonly health: ContainerResources;
}

/**
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 */
export interface AutoscalingSpec {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /**
   * Average CPU utilization, in percent of the request, that the autoscaler aims for.
   * @default 70
   */
  readonly targetCpuUtilization?: number;
}

/** A key of an existing Secret; search-ops never creates or reads the Secret itself. */
export interface SecretKeyReference {
  readonly name: string;
  readonly key: string;
}

export interface MongoDbDependency {
  /** The Secret key that holds the full MongoDB connection string. */
  readonly uriSecret: SecretKeyReference;
  /** Port that egress is opened to. */
  readonly port: number;
  /**
   * Namespace of an in-cluster MongoDB; egress is restricted to it.
   * @default - any destination on `port` (a managed service outside the cluster)
   */
  readonly namespace?: string;
}

export interface RedisDependency {
  readonly host: string;
  readonly port: number;
  /** @default - any destination on `port` */
  readonly namespace?: string;
}

export interface EmbeddingDependency {
  /** Base URL of the embedding-model service; its port opens egress. */
  readonly url: string;
  /**
   * The embedding model the engine asks for; changing it rolls the engine out
   * as a canary. Kept in releases.json with the previous one, for rollback.
   */
  readonly modelVersion: string;
  /** @default - any destination on the URL's port */
  readonly namespace?: string;
}

export interface DependenciesSpec {
  readonly mongodb: MongoDbDependency;
  readonly redis: RedisDependency;
  readonly embedding: EmbeddingDependency;
}

/** How new versions reach the cluster. */
export const WorkloadKind = {
  /** An Argo Rollouts Rollout with a canary strategy. */
  ROLLOUT: 'rollout',
  /** For clusters without Argo Rollouts: `search-engine-stable` and `search-engine-canary` Deployments. */
  DEPLOYMENTS: 'deployments',
} as const;
export type WorkloadKind = (typeof WorkloadKind)[keyof typeof WorkloadKind];

export interface CanaryStep {
  /** Share of traffic, in percent, sent to the canary during this step. */
  readonly weight: number;
  /**
   * How long to hold the weight before the next step.
   * @default - wait for a manual promotion
   */
  readonly pause?: Duration;
}

/** @see https://argo-rollouts.readthedocs.io/en/stable/features/canary/ */
export interface CanaryPolicy {
  readonly steps: readonly CanaryStep[];
  /**
   * How long an aborted preview's pods stay up for diagnosis, blue-green only:
   * with no traffic router, Argo Rollouts scales an aborted canary down at once.
   * @default Duration.seconds(30)
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/specification/
   */
  readonly abortScaleDownDelay?: Duration;
  /**
   * A rollout that makes no progress for this long is aborted.
   * @default Duration.minutes(10)
   */
  readonly progressDeadline?: Duration;
}

/** How a Rollout brings a new version in. */
export const RolloutStrategyKind = {
  /** Weighted steps with analysis before each increase. */
  CANARY: 'canary',
  /** A full preview stack, analysed before and after the switch. */
  BLUE_GREEN: 'blueGreen',
} as const;
export type RolloutStrategyKind = (typeof RolloutStrategyKind)[keyof typeof RolloutStrategyKind];

/**
 * How canaries are measured against the SLO.
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/analysis/
 */
export interface AnalysisPolicy {
  /** @default 'http://prometheus-operated.monitoring.svc:9090' */
  readonly prometheusUrl?: string;
  /** @default Duration.minutes(1) */
  readonly interval?: Duration;
  /** Measurements of an analysis step. @default 3 */
  readonly measurements?: number;
  /** Failed measurements tolerated; one more aborts. @default 1 */
  readonly failureLimit?: number;
  /** Inconclusive measurements (no traffic yet) tolerated before the rollout pauses. @default 2 */
  readonly inconclusiveLimit?: number;
  /** Failed queries in a row (Prometheus unreachable) before the analysis errors. @default 2 */
  readonly consecutiveErrorLimit?: number;
  /** Range of rate() in the queries. @default Duration.minutes(2) */
  readonly rateWindow?: Duration;
}

export interface DeliverySpec {
  /** @default WorkloadKind.ROLLOUT */
  readonly workload?: WorkloadKind;
  /** @default RolloutStrategyKind.CANARY */
  readonly strategy?: RolloutStrategyKind;
  readonly canary: CanaryPolicy;
  /** @default - the defaults of AnalysisPolicy */
  readonly analysis?: AnalysisPolicy;
  /**
   * Share of the availability error budget that a completely broken new version
   * may burn before the analysis aborts it; a slower policy is refused.
   * @default 0.02
   */
  readonly maxBudgetBurn?: number;
  /**
   * Deployments workload only: the candidate image run by `search-engine-canary`.
   * @default - no candidate: the canary Deployment is scaled to zero
   */
  readonly canaryImage?: ImageSpec;
}

export interface NetworkSpec {
  /**
   * Namespace of the ingress controller, the only source of search traffic.
   * @default 'ingress-nginx'
   */
  readonly ingressNamespace?: string;
  /**
   * Namespace of Prometheus, the only client of the metrics and health ports.
   * @default 'monitoring'
   */
  readonly monitoringNamespace?: string;
}

/** Where backups go: an existing PersistentVolumeClaim, or an S3-compatible bucket. */
export interface BackupDestination {
  /** Name of an existing PersistentVolumeClaim. */
  readonly volumeClaim?: string;
  /** `s3://bucket/prefix` */
  readonly objectStorageUrl?: string;
  /** Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the bucket. */
  readonly objectStorageSecret?: string;
  /** @default - AWS; set for another S3-compatible store */
  readonly objectStorageEndpoint?: string;
}

/** MongoDB backups, and the cache's RDB when it persists. */
export interface BackupSpec {
  /** @default Cron.hourly() */
  readonly schedule?: Cron;
  /**
   * Recovery point objective: the newest good backup is never older than this;
   * an alert fires past it.
   * @default Duration.hours(2)
   */
  readonly rpo?: Duration;
  /** @default 7 */
  readonly retentionDays?: number;
  readonly destination: BackupDestination;
  /** An image with sh, mongodump, mongorestore, redis-cli and (for buckets) the aws CLI. */
  readonly image: ImageSpec;
  /** Copy Redis's RDB too: only worth it when the cache persists. @default false */
  readonly redisRdb?: boolean;
}

export interface IndexRebuildSpec {
  /** @default - never: run on demand */
  readonly schedule?: Cron;
  /** The engine's rebuild command. @default ['/usr/local/bin/search-engine', '--rebuild-index'] */
  readonly command?: readonly string[];
}

/** Where Argo CD finds `dist/` and where it runs. */
export interface GitOpsSpec {
  readonly repoUrl: string;
  /** @default 'main' */
  readonly targetRevision?: string;
  /** @default 'argocd' */
  readonly argoCdNamespace?: string;
  /** @default 'search-ops' */
  readonly project?: string;
}
