import { Size } from 'cdk8s';
import { ContainerResources } from 'cdk8s-plus-27';
import type { IContainer, IEnvVar, IPodSecurityContext, IPodTemplateSpec, IResourceRequirements, ISecurityContext } from 'kubernetes-models/v1';
import {
  ENGINE_METRICS_PORT, ENGINE_PORT, HEALTH_ENV, HEALTH_PORT, HEALTH_SERVER_COMMAND, LIVENESS_PROBE, PROBE_PATHS,
  DRAIN_TIMEOUT_SECONDS, READINESS_PROBE, SHUTDOWN_DELAY_SECONDS, STARTUP_PROBE, TERMINATION_GRACE_PERIOD_SECONDS,
} from '../health/contract';
import { EnvironmentSpec, ImageSpec } from './environment-spec';
import { imageReference } from './identity';

/** Non-root identity of every container; matches the health server's Dockerfile. */
export const RUN_AS_USER = 10001;
/** Scratch space for each container, since root filesystems are read-only. */
const TMP_SIZE = Size.mebibytes(64);

export interface EnginePodTemplateOptions {
  readonly spec: EnvironmentSpec;
  readonly image: ImageSpec;
  /** Labels that select these pods (and more labels for the template only). */
  readonly labels: Readonly<Record<string, string>>;
  /** Labels the topology spread constraints count by: the workload's selector. */
  readonly selector: Readonly<Record<string, string>>;
  readonly serviceAccountName: string;
}

/**
 * The engine pod: the C++ engine and the health server from the same image,
 * under the Pod Security `restricted` profile.
 */
export function enginePodTemplate(options: EnginePodTemplateOptions): IPodTemplateSpec {
  const { spec, image, labels, selector, serviceAccountName } = options;
  const env = engineEnv(spec);
  return {
    metadata: { labels: { ...labels } },
    spec: {
      serviceAccountName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: TERMINATION_GRACE_PERIOD_SECONDS,
      securityContext: RESTRICTED_POD,
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...selector } } },
        { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { ...selector } } },
      ],
      containers: [engineContainer(spec, image, env), healthContainer(spec, image, env)],
      volumes: [
        { name: 'engine-tmp', emptyDir: { sizeLimit: `${TMP_SIZE.toMebibytes()}Mi` } },
        { name: 'health-tmp', emptyDir: { sizeLimit: `${TMP_SIZE.toMebibytes()}Mi` } },
      ],
    },
  };
}

function engineContainer(spec: EnvironmentSpec, image: ImageSpec, env: IEnvVar[]): IContainer {
  return {
    name: 'engine',
    image: imageReference(image),
    imagePullPolicy: 'IfNotPresent',
    ports: [
      { name: 'http', containerPort: ENGINE_PORT, protocol: 'TCP' },
      { name: 'metrics', containerPort: ENGINE_METRICS_PORT, protocol: 'TCP' },
    ],
    env,
    resources: resourceRequirements(spec.resources.engine),
    securityContext: RESTRICTED_CONTAINER,
    // The engine's readiness is the health server's; the engine only has to be up.
    startupProbe: { tcpSocket: { port: 'http' }, ...STARTUP_PROBE },
    livenessProbe: { tcpSocket: { port: 'http' }, ...LIVENESS_PROBE },
    // Keep serving while endpoints and load balancers drop this pod; SIGTERM comes after.
    lifecycle: { preStop: { sleep: { seconds: SHUTDOWN_DELAY_SECONDS } } },
    volumeMounts: [{ name: 'engine-tmp', mountPath: '/tmp' }],
  };
}

function healthContainer(spec: EnvironmentSpec, image: ImageSpec, env: IEnvVar[]): IContainer {
  const probe = (path: string) => ({ httpGet: { path, port: 'health' } });
  return {
    name: 'health',
    image: imageReference(image),
    imagePullPolicy: 'IfNotPresent',
    command: [...HEALTH_SERVER_COMMAND],
    ports: [{ name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' }],
    env: [
      ...env,
      { name: HEALTH_ENV.port, value: String(HEALTH_PORT) },
      { name: HEALTH_ENV.shutdownDelaySeconds, value: String(SHUTDOWN_DELAY_SECONDS) },
      { name: HEALTH_ENV.drainTimeoutSeconds, value: String(DRAIN_TIMEOUT_SECONDS) },
      { name: HEALTH_ENV.version, value: image.tag },
    ],
    resources: resourceRequirements(spec.resources.health),
    securityContext: RESTRICTED_CONTAINER,
    startupProbe: { ...probe(PROBE_PATHS.startup), ...STARTUP_PROBE },
    livenessProbe: { ...probe(PROBE_PATHS.liveness), ...LIVENESS_PROBE },
    readinessProbe: { ...probe(PROBE_PATHS.readiness), ...READINESS_PROBE },
    volumeMounts: [{ name: 'health-tmp', mountPath: '/tmp' }],
  };
}

/** The restricted security context of every pod search-ops runs. */
export const RESTRICTED_POD: IPodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUN_AS_USER,
  runAsGroup: RUN_AS_USER,
  fsGroup: RUN_AS_USER,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The restricted security context of every container search-ops runs. */
export const RESTRICTED_CONTAINER: ISecurityContext = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  privileged: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Connection settings of both containers (and of engine Jobs); the MongoDB URI never leaves its Secret. */
export function engineEnv(spec: EnvironmentSpec): IEnvVar[] {
  const { mongodb, redis, embedding } = spec.dependencies;
  return [
    { name: HEALTH_ENV.mongodbUri, valueFrom: { secretKeyRef: { name: mongodb.uriSecret.name, key: mongodb.uriSecret.key } } },
    { name: HEALTH_ENV.redisHost, value: redis.host },
    { name: HEALTH_ENV.redisPort, value: String(redis.port) },
    { name: HEALTH_ENV.embeddingUrl, value: embedding.url },
    { name: HEALTH_ENV.embeddingModelVersion, value: embedding.modelVersion },
  ];
}

export function resourceRequirements(resources: ContainerResources): IResourceRequirements {
  const quantities = (cpu: string | undefined, memory: Size | undefined) => ({
    ...(cpu === undefined ? {} : { cpu }),
    ...(memory === undefined ? {} : { memory: `${memory.toMebibytes()}Mi` }),
  });
  return {
    requests: quantities(resources.cpu?.request?.amount, resources.memory?.request),
    limits: quantities(resources.cpu?.limit?.amount, resources.memory?.limit),
  };
}
