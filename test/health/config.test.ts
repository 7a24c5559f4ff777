import { describeConfig, HealthConfigError, loadConfig } from '../../health/config';
import { HEALTH_PORT, SHUTDOWN_DELAY_SECONDS } from '../../health/contract';

const VALID = { MONGODB_URI: 'mongodb://search:s3cret@db.internal:27017/search?tls=true', REDIS_HOST: 'redis', EMBEDDING_URL: 'http://embedding:8000' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(HealthConfigError);
    return [...(error as HealthConfigError).problems];
  }
  throw new Error('expected the configuration to be refused');
}

describe('GIVEN the environment WHEN the health server loads its configuration', () => {
  test('THEN the defaults come from the health contract', () => {
    const config = loadConfig(VALID);
    expect(config.port).toBe(HEALTH_PORT);
    expect(config.shutdownDelayMs).toBe(SHUTDOWN_DELAY_SECONDS * 1000);
    expect(config.redisPort).toBe(6379);
    expect(config.embeddingHealthPath).toBe('/healthz');
  });

  test.each<[string, Record<string, string>, string]>([
    ['a missing MongoDB URI', { MONGODB_URI: '' }, 'MONGODB_URI (unset) is required'],
    ['a MongoDB URI of another scheme, shown without its secret', { MONGODB_URI: 'postgres://u:pw@db:5432/x' },
      "MONGODB_URI ('postgres://***@db:5432/***') must be a URL with scheme mongodb:// or mongodb+srv://"],
    ['a missing Redis host', { REDIS_HOST: '' }, 'REDIS_HOST (unset) is required'],
    ['a Redis port that is not a number', { REDIS_PORT: 'six' }, "REDIS_PORT ('six') must be an integer between 1 and 65535"],
    ['a health port out of range', { HEALTH_PORT: '70000' }, "HEALTH_PORT ('70000') must be an integer between 1 and 65535"],
    ['an embedding URL that is not http', { EMBEDDING_URL: 'ftp://embedding' }, "EMBEDDING_URL ('ftp://embedding') must be a URL with scheme http:// or https://"],
    ['an embedding path without a slash', { EMBEDDING_HEALTH_PATH: 'healthz' }, "EMBEDDING_HEALTH_PATH ('healthz') must start with '/'"],
    ['a check interval longer than a readiness period', { CHECK_INTERVAL_MS: '6000' }, "CHECK_INTERVAL_MS ('6000') must be an integer between 50 and 5000"],
    ['a check timeout as long as the interval', { CHECK_INTERVAL_MS: '1000', CHECK_TIMEOUT_MS: '1000' },
      "CHECK_TIMEOUT_MS ('1000') must be shorter than CHECK_INTERVAL_MS (1000), so that a hanging check cannot delay the next round"],
    ['a shutdown delay shorter than one readiness period', { SHUTDOWN_DELAY_SECONDS: '1' }, "SHUTDOWN_DELAY_SECONDS ('1') must be a number between 5 and 300"],
    ['a grace period the shutdown does not fit in', { SHUTDOWN_DELAY_SECONDS: '20', DRAIN_TIMEOUT_SECONDS: '10', TERMINATION_GRACE_PERIOD_SECONDS: '30' },
      "TERMINATION_GRACE_PERIOD_SECONDS ('30') must exceed SHUTDOWN_DELAY_SECONDS + DRAIN_TIMEOUT_SECONDS (30), so that shutdown ends before the kubelet kills the process"],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, "LOG_LEVEL ('loud') must be one of fatal, error, warn, info, debug, trace, silent"],
  ])('THEN %s is refused with a message naming variable, value and rule', (_case, change, expected) => {
    expect(problems({ ...VALID, ...change })).toEqual([expected]);
  });

  test('THEN every problem is reported at once', () => {
    expect(problems({ REDIS_PORT: '-1' })).toEqual([
      'MONGODB_URI (unset) is required',
      'REDIS_HOST (unset) is required',
      "REDIS_PORT ('-1') must be an integer between 1 and 65535",
      'EMBEDDING_URL (unset) is required',
    ]);
  });

  test('THEN the configuration it logs never contains a secret or a full URL', () => {
    const logged = JSON.stringify(describeConfig(loadConfig({ ...VALID, EMBEDDING_URL: 'https://key:abc@embed.example.net/v1?token=t0k' })));
    expect(logged).not.toMatch(/s3cret|search:|tls=true|abc|t0k|\/v1/);
    expect(logged).toContain('mongodb://***@db.internal:27017/***');
    expect(logged).toContain('https://***@embed.example.net/***');
  });
});
