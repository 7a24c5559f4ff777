import { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { buildHealthServer } from '../../health/app';
import { DependencyCheck } from '../../health/checks/dependency-check';
import { HealthConfig, loadConfig } from '../../health/config';

/** A valid configuration; tests change what they exercise. */
export function testConfig(env: Record<string, string> = {}): HealthConfig {
  return loadConfig({
    MONGODB_URI: 'mongodb://127.0.0.1:1/',
    REDIS_HOST: '127.0.0.1',
    EMBEDDING_URL: 'http://127.0.0.1:1',
    CHECK_INTERVAL_MS: '300',
    CHECK_TIMEOUT_MS: '200',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

export async function testServer(checks: readonly DependencyCheck[], env: Record<string, string> = {}, registry = new Registry()): Promise<FastifyInstance> {
  return buildHealthServer({ config: testConfig(env), checks, registry, logger: false });
}

/** Polls until `predicate` holds; returns the milliseconds it took. */
export async function waitFor(predicate: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await predicate())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

/** A check whose outcome the test sets: a stand-in for logic tests, not for a real dependency. */
export function scriptedCheck(name: string, critical: boolean): DependencyCheck & { outcome: 'pass' | 'fail' | 'hang' } {
  const check = {
    name,
    critical,
    timeoutMs: 100,
    outcome: 'pass' as 'pass' | 'fail' | 'hang',
    async check() {
      if (check.outcome === 'fail') throw new Error(`${name} refused`);
      if (check.outcome === 'hang') await new Promise(() => undefined);
    },
  };
  return check;
}
