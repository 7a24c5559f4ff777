/**
 * The health contract shared by the health server (health/) and the workload
 * construct (constructs/). Ports, probe paths, probe timings and the shutdown
 * timeline live here once, so that what Kubernetes probes is what the server serves.
 *
 * Plain data only: health/ ships in the engine image and must not depend on cdk8s.
 */

/** The engine's own HTTP port (search traffic). */
export const ENGINE_PORT = 8080;
/** The port on which the engine exposes the metric contract of DESIGN.md. */
export const ENGINE_METRICS_PORT = 9090;
/** The health server's port: probes and its own metrics. */
export const HEALTH_PORT = 8081;

export const PROBE_PATHS = {
  liveness: '/livez',
  readiness: '/readyz',
  startup: '/startupz',
  metrics: '/metrics',
} as const;

export interface ProbeTiming {
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
  readonly successThreshold: number;
}

/** Startup allows 30 x 5 s = 150 s for the first round of dependency checks. */
export const STARTUP_PROBE: ProbeTiming = { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 30, successThreshold: 1 };
export const LIVENESS_PROBE: ProbeTiming = { periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 };
export const READINESS_PROBE: ProbeTiming = { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2, successThreshold: 1 };

/**
 * How long a pod keeps serving after shutdown starts: the time the kubelet needs
 * to see readiness fail (period x threshold), plus 5 s for endpoint and load
 * balancer propagation. The engine's preStop sleep uses the same value.
 */
export const SHUTDOWN_DELAY_SECONDS = READINESS_PROBE.periodSeconds * READINESS_PROBE.failureThreshold + 5;
/** Time allowed to finish in-flight requests once the listener closes. */
export const DRAIN_TIMEOUT_SECONDS = 10;
/** Safety margin before the kubelet's SIGKILL, for closing clients and exiting. */
export const EXIT_MARGIN_SECONDS = 5;
/** Kubernetes' terminationGracePeriodSeconds: delay, drain and margin, in that order. */
export const TERMINATION_GRACE_PERIOD_SECONDS = SHUTDOWN_DELAY_SECONDS + DRAIN_TIMEOUT_SECONDS + EXIT_MARGIN_SECONDS;

/** Environment variables read by the health server and set by the workload construct. */
export const HEALTH_ENV = {
  port: 'HEALTH_PORT',
  mongodbUri: 'MONGODB_URI',
  redisHost: 'REDIS_HOST',
  redisPort: 'REDIS_PORT',
  embeddingUrl: 'EMBEDDING_URL',
  embeddingModelVersion: 'EMBEDDING_MODEL_VERSION',
  shutdownDelaySeconds: 'SHUTDOWN_DELAY_SECONDS',
  drainTimeoutSeconds: 'DRAIN_TIMEOUT_SECONDS',
  version: 'SEARCH_OPS_VERSION',
} as const;

/** The health server's entry point inside the engine image (laid out as health/Dockerfile builds it). */
export const HEALTH_SERVER_COMMAND: readonly string[] = ['/nodejs/bin/node', '/opt/search-ops/health/server.js'];

/**
 * The dependency checks, as named in `health_check_up{check}`, and whether a
 * failure takes the pod out of service (critical) or only degrades it (a cache).
 */
export const DEPENDENCY_CHECKS = {
  mongodb: { critical: true },
  redis: { critical: false },
  embedding: { critical: true },
} as const;
export type DependencyCheckName = keyof typeof DEPENDENCY_CHECKS;
