import Fastify, { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { DependencyCheck } from './checks/dependency-check';
import { httpCheck } from './checks/http-check';
import { mongoDbCheck } from './checks/mongodb-check';
import { redisCheck } from './checks/redis-check';
import { HealthConfig } from './config';
import { DEPENDENCY_CHECKS, DependencyCheckName } from './contract';
import { healthPlugin } from './health-plugin';
import { QuietLogController } from './quiet-log-controller';

export interface HealthServerOptions {
  readonly config: HealthConfig;
  /** @defaultValue a new Registry */
  readonly registry?: Registry;
  /** @defaultValue the MongoDB, Redis and embedding checks of `config` */
  readonly checks?: readonly DependencyCheck[];
  /** @defaultValue a pino logger at `config.logLevel` */
  readonly logger?: boolean | object;
}

/** The dependency checks a deployed pod runs. */
export function dependencyChecks(config: HealthConfig, onRedisError: (error: Error) => void): DependencyCheck[] {
  const timeoutMs = config.checkTimeoutMs;
  return [
    mongoDbCheck({ uri: config.mongodbUri, timeoutMs }),
    redisCheck({ host: config.redisHost, port: config.redisPort, timeoutMs, onError: onRedisError }),
    httpCheck({
      name: 'embedding' satisfies DependencyCheckName,
      critical: DEPENDENCY_CHECKS.embedding.critical,
      url: new URL(config.embeddingHealthPath, config.embeddingUrl).toString(),
      timeoutMs,
    }),
  ];
}

/** A Fastify instance serving the health contract; not yet listening. */
export async function buildHealthServer(options: HealthServerOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel, base: { service: 'search-ops-health', version: config.version } },
    // Probes carry no body; slow or oversized requests are closed early.
    bodyLimit: 1024,
    requestTimeout: 10_000,
    connectionTimeout: 15_000,
    logController: new QuietLogController(),
    // One logger for all requests: a child logger per probe is pure overhead.
    childLoggerFactory: (logger) => logger,
  });
  const checks = options.checks ?? dependencyChecks(config, (error) => app.log.debug({ err: error }, 'redis connection error'));
  await app.register(healthPlugin, {
    checks,
    registry: options.registry ?? new Registry(),
    intervalMs: config.checkIntervalMs,
    version: config.version,
    revision: config.revision,
  });
  return app;
}
