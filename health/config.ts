import { DRAIN_TIMEOUT_SECONDS, HEALTH_ENV, HEALTH_PORT, READINESS_PROBE, SHUTDOWN_DELAY_SECONDS, TERMINATION_GRACE_PERIOD_SECONDS } from './contract';
import { redactUrl } from './redact';

/** The health server's configuration, read from environment variables. */
export interface HealthConfig {
  readonly host: string;
  readonly port: number;
  readonly mongodbUri: string;
  readonly redisHost: string;
  readonly redisPort: number;
  readonly embeddingUrl: string;
  readonly embeddingHealthPath: string;
  readonly checkIntervalMs: number;
  readonly checkTimeoutMs: number;
  readonly shutdownDelayMs: number;
  readonly drainTimeoutMs: number;
  readonly gracePeriodMs: number;
  readonly version: string;
  readonly revision: string;
  readonly logLevel: string;
}

export const ENV = {
  ...HEALTH_ENV,
  host: 'HEALTH_HOST',
  embeddingHealthPath: 'EMBEDDING_HEALTH_PATH',
  checkIntervalMs: 'CHECK_INTERVAL_MS',
  checkTimeoutMs: 'CHECK_TIMEOUT_MS',
  gracePeriodSeconds: 'TERMINATION_GRACE_PERIOD_SECONDS',
  revision: 'SEARCH_OPS_REVISION',
  logLevel: 'LOG_LEVEL',
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export class HealthConfigError extends Error {
  public constructor(public readonly problems: readonly string[]) {
    super(`invalid health server configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'HealthConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates every variable; throws one error listing every problem. */
export function loadConfig(env: Env): HealthConfig {
  const problems: string[] = [];
  const fail = (name: string, shown: string, rule: string) => problems.push(`${name} (${shown}) ${rule}`);

  const string = (name: string, fallback?: string): string => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback === undefined) fail(name, 'unset', 'is required');
    return fallback ?? '';
  };
  const number = (name: string, fallback: number, min: number, max: number, integer = true): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw.trim()) || (integer && !Number.isInteger(value)) || value < min || value > max) {
      fail(name, `'${raw}'`, `must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}`);
      return fallback;
    }
    return value;
  };
  const url = (name: string, protocols: readonly string[]): string => {
    const value = string(name);
    if (value === '') return value;
    let protocol = '';
    try {
      protocol = new URL(value).protocol;
    } catch {
      // reported below
    }
    if (!protocols.includes(protocol)) {
      fail(name, `'${redactUrl(value)}'`, `must be a URL with scheme ${protocols.map((p) => `${p}//`).join(' or ')}`);
    }
    return value;
  };

  const config: HealthConfig = {
    host: string(ENV.host, '0.0.0.0'),
    port: number(ENV.port, HEALTH_PORT, 1, 65535),
    mongodbUri: url(ENV.mongodbUri, ['mongodb:', 'mongodb+srv:']),
    redisHost: string(ENV.redisHost),
    redisPort: number(ENV.redisPort, 6379, 1, 65535),
    embeddingUrl: url(ENV.embeddingUrl, ['http:', 'https:']),
    embeddingHealthPath: string(ENV.embeddingHealthPath, '/healthz'),
    checkIntervalMs: number(ENV.checkIntervalMs, 2000, 50, READINESS_PROBE.periodSeconds * 1000),
    checkTimeoutMs: number(ENV.checkTimeoutMs, 1000, 10, 60000),
    shutdownDelayMs: number(ENV.shutdownDelaySeconds, SHUTDOWN_DELAY_SECONDS, READINESS_PROBE.periodSeconds, 300, false) * 1000,
    drainTimeoutMs: number(ENV.drainTimeoutSeconds, DRAIN_TIMEOUT_SECONDS, 0.1, 300, false) * 1000,
    gracePeriodMs: number(ENV.gracePeriodSeconds, TERMINATION_GRACE_PERIOD_SECONDS, 1, 3600, false) * 1000,
    version: string(ENV.version, 'unknown'),
    revision: string(ENV.revision, 'unknown'),
    logLevel: string(ENV.logLevel, 'info'),
  };

  if (!config.embeddingHealthPath.startsWith('/')) fail(ENV.embeddingHealthPath, `'${config.embeddingHealthPath}'`, "must start with '/'");
  if (!LOG_LEVELS.includes(config.logLevel)) fail(ENV.logLevel, `'${config.logLevel}'`, `must be one of ${LOG_LEVELS.join(', ')}`);
  if (config.checkTimeoutMs >= config.checkIntervalMs) {
    fail(ENV.checkTimeoutMs, `'${config.checkTimeoutMs}'`, `must be shorter than ${ENV.checkIntervalMs} (${config.checkIntervalMs}), so that a hanging check cannot delay the next round`);
  }
  if (config.shutdownDelayMs + config.drainTimeoutMs >= config.gracePeriodMs) {
    fail(ENV.gracePeriodSeconds, `'${config.gracePeriodMs / 1000}'`,
      `must exceed ${ENV.shutdownDelaySeconds} + ${ENV.drainTimeoutSeconds} (${(config.shutdownDelayMs + config.drainTimeoutMs) / 1000}), so that shutdown ends before the kubelet kills the process`);
  }
  if (problems.length > 0) throw new HealthConfigError(problems);
  return config;
}

/** The configuration as it may be logged: dependency URLs reduced to scheme, host and port. */
export function describeConfig(config: HealthConfig): Record<string, unknown> {
  return { ...config, mongodbUri: redactUrl(config.mongodbUri), embeddingUrl: redactUrl(config.embeddingUrl) };
}
