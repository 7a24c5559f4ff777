import { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Registry } from 'prom-client';
import { DependencyCheck } from './checks/dependency-check';
import { PROBE_PATHS } from './contract';
import { HealthChecker } from './health-checker';
import { httpMetricsPlugin } from './http-metrics';
import { createHealthMetrics, exposition } from './metrics';

export interface HealthPluginOptions {
  readonly checks: readonly DependencyCheck[];
  /** The one registry every metric goes to; `/metrics` serves it. */
  readonly registry: Registry;
  /** Pause between two rounds of checks. @defaultValue 2000 */
  readonly intervalMs?: number;
  /** How long a rendering of `/metrics` may be served again. @defaultValue 1000 */
  readonly metricsCacheMs?: number;
  /** @defaultValue 'unknown' */
  readonly version?: string;
  /** @defaultValue 'unknown' */
  readonly revision?: string;
}

export const DEFAULT_OPTIONS = { intervalMs: 2000, metricsCacheMs: 1000, version: 'unknown', revision: 'unknown' } as const;

export const ReadinessStatus = {
  STARTING: 'starting',
  READY: 'ready',
  DEGRADED: 'degraded',
  NOT_READY: 'not_ready',
  SHUTTING_DOWN: 'shutting_down',
} as const;
export type ReadinessStatus = (typeof ReadinessStatus)[keyof typeof ReadinessStatus];

export interface HealthState {
  readonly checker: HealthChecker;
  readonly shuttingDown: boolean;
  /** Readiness turns 503 and every response carries `Connection: close`. Idempotent. */
  beginShutdown(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    health: HealthState;
  }
}

const PROBE_ROUTES = new Set<string>(Object.values(PROBE_PATHS));

/** Response schemas document the probe bodies and let Fastify serialize them fast. */
const STATUS_BODY = { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] } as const;
const READINESS_BODY = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string' },
    checks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'critical', 'state', 'latencyMs', 'error'],
        properties: {
          name: { type: 'string' },
          critical: { type: 'boolean' },
          state: { type: 'string' },
          latencyMs: { type: ['number', 'null'] },
          error: { type: ['string', 'null'] },
        },
      },
    },
  },
} as const;

function validate(options: HealthPluginOptions): void {
  if (!Array.isArray(options.checks)) throw new TypeError('health plugin: option \'checks\' must be an array of dependency checks');
  if (!(options.registry instanceof Registry)) throw new TypeError('health plugin: option \'registry\' must be a prom-client Registry');
  const interval = options.intervalMs ?? DEFAULT_OPTIONS.intervalMs;
  if (!Number.isInteger(interval) || interval <= 0) {
    throw new RangeError(`health plugin: option 'intervalMs' (${interval}) must be a positive integer of milliseconds`);
  }
  const cacheMs = options.metricsCacheMs ?? DEFAULT_OPTIONS.metricsCacheMs;
  if (!Number.isInteger(cacheMs) || cacheMs < 0) {
    throw new RangeError(`health plugin: option 'metricsCacheMs' (${cacheMs}) must be an integer of milliseconds, 0 or more`);
  }
}

/** Liveness, readiness, startup and metrics endpoints over background dependency checks. */
export const healthPlugin = fp(async (app: FastifyInstance, options: HealthPluginOptions) => {
  validate(options);
  const metrics = createHealthMetrics({
    registry: options.registry,
    version: options.version ?? DEFAULT_OPTIONS.version,
    revision: options.revision ?? DEFAULT_OPTIONS.revision,
  });
  const checker = new HealthChecker({
    checks: options.checks,
    intervalMs: options.intervalMs ?? DEFAULT_OPTIONS.intervalMs,
    metrics,
    log: app.log.child({ component: 'checks' }),
  });
  let shuttingDown = false;
  app.decorate('health', {
    checker,
    get shuttingDown() {
      return shuttingDown;
    },
    beginShutdown() {
      shuttingDown = true;
    },
  } satisfies HealthState);

  await app.register(httpMetricsPlugin, { metrics });

  // Keep-alive clients must move to another pod before the listener closes.
  // Callback style: an async hook costs a promise on every request.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (shuttingDown) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onReady', async () => checker.start());
  app.addHook('onClose', async () => checker.stop());

  app.get(PROBE_PATHS.liveness, { schema: { response: { 200: STATUS_BODY } } }, async () => ({ status: 'alive' }));

  app.get(PROBE_PATHS.startup, async (_request, reply) => {
    const started = checker.completedRounds > 0;
    return reply.code(started ? 200 : 503).send({ status: started ? 'started' : ReadinessStatus.STARTING });
  });

  app.get(PROBE_PATHS.readiness, { schema: { response: { 200: READINESS_BODY, 503: READINESS_BODY } } }, async (_request, reply) => {
    const status = readiness(checker, shuttingDown);
    const ok = status === ReadinessStatus.READY || status === ReadinessStatus.DEGRADED;
    return reply.code(ok ? 200 : 503).send({ status, checks: checker.list() });
  });

  const renderMetrics = exposition(options.registry, options.metricsCacheMs ?? DEFAULT_OPTIONS.metricsCacheMs);
  app.get(PROBE_PATHS.metrics, async (_request, reply) => {
    reply.header('content-type', options.registry.contentType);
    return renderMetrics();
  });

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0];
    if (PROBE_ROUTES.has(path)) return reply.code(405).header('allow', 'GET, HEAD').send({ error: 'method not allowed' });
    return reply.code(404).send({ error: 'not found' });
  });
}, { name: 'search-ops-health', fastify: '5.x' });

function readiness(checker: HealthChecker, shuttingDown: boolean): ReadinessStatus {
  if (shuttingDown) return ReadinessStatus.SHUTTING_DOWN;
  if (checker.completedRounds === 0) return ReadinessStatus.STARTING;
  if (!checker.isReady()) return ReadinessStatus.NOT_READY;
  return checker.isDegraded() ? ReadinessStatus.DEGRADED : ReadinessStatus.READY;
}
