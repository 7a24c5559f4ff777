import { FastifyInstance } from 'fastify';
import { dependencyChecks } from '../../health/app';
import { httpCheck } from '../../health/checks/http-check';
import { mongoDbCheck } from '../../health/checks/mongodb-check';
import { READINESS_PROBE } from '../../health/contract';
import { testConfig, testServer, waitFor } from '../support/health';
import { EmbeddingStub, FerretDbServer, HangingListener, LOOPBACK, RedisServer } from '../support/services';

/**
 * Against real dependencies started on loopback: redis-server, FerretDB (a
 * MongoDB wire-protocol server) and an HTTP server playing the embedding service.
 */
const INTERVAL_MS = 300;
const TIMEOUT_MS = 200;
/** Readiness must follow a dependency within one interval plus the timeout; the slack absorbs scheduling. */
const FLIP_BUDGET_MS = INTERVAL_MS + TIMEOUT_MS + 700;

let mongo: FerretDbServer;
let redis: RedisServer;
let embedding: EmbeddingStub;
let hanging: HangingListener;
let app: FastifyInstance;

beforeAll(async () => {
  [mongo, redis, embedding, hanging] = await Promise.all([FerretDbServer.start(), RedisServer.start(), EmbeddingStub.start(), HangingListener.start()]);
});

afterAll(async () => {
  await Promise.all([mongo?.destroy(), redis?.stop(), embedding?.stop(), hanging?.stop()]);
});

afterEach(async () => {
  await app?.close();
  embedding.mode = 'ok';
  embedding.delayMs = 0;
});

function env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    MONGODB_URI: mongo.uri,
    REDIS_HOST: LOOPBACK,
    REDIS_PORT: String(redis.port),
    EMBEDDING_URL: embedding.url,
    CHECK_INTERVAL_MS: String(INTERVAL_MS),
    CHECK_TIMEOUT_MS: String(TIMEOUT_MS),
    ...overrides,
  };
}

async function startServer(overrides: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = testConfig(env(overrides));
  app = await testServer(dependencyChecks(config, () => undefined), env(overrides));
  await app.ready();
  return app;
}

const readyz = async () => app.inject({ url: '/readyz' });
const statusIs = (code: number) => async () => (await readyz()).statusCode === code;
const checkOf = async (name: string) => (await readyz()).json().checks.find((c: { name: string }) => c.name === name);

describe('GIVEN real dependencies', () => {
  test('WHEN all are up THEN the pod is ready and every check is up', async () => {
    await startServer();
    await waitFor(statusIs(200), 3000, 'ready');
    const body = (await readyz()).json();
    expect(body.status).toBe('ready');
    expect(body.checks.map((c: { name: string; state: string }) => `${c.name}:${c.state}`)).toEqual(['mongodb:up', 'redis:up', 'embedding:up']);
    expect(embedding.requests).toBeGreaterThan(0);
  });

  test('WHEN MongoDB goes down THEN readiness flips to 503 within one interval plus the timeout, and back after recovery', async () => {
    await startServer();
    await waitFor(statusIs(200), 3000, 'ready');
    await mongo.stop();
    const down = await waitFor(statusIs(503), FLIP_BUDGET_MS, 'not ready after MongoDB stopped');
    expect(await checkOf('mongodb')).toMatchObject({ state: 'down', critical: true });
    expect((await checkOf('mongodb')).error).toEqual(expect.any(String));
    await mongo.start();
    const up = await waitFor(statusIs(200), FLIP_BUDGET_MS + 1000, 'ready after MongoDB restarted');
    console.log(`MongoDB down -> 503 in ${down} ms; restarted -> 200 in ${up} ms (interval ${INTERVAL_MS} ms, timeout ${TIMEOUT_MS} ms)`);
  });

  test('WHEN Redis goes down THEN the pod stays ready but reports degraded, and recovers', async () => {
    await startServer();
    await waitFor(statusIs(200), 3000, 'ready');
    await redis.stop();
    await waitFor(async () => (await readyz()).json().status === 'degraded', FLIP_BUDGET_MS, 'degraded');
    expect((await readyz()).statusCode).toBe(200);
    expect(await checkOf('redis')).toMatchObject({ state: 'down', critical: false });
    expect((await app.inject({ url: '/metrics' })).body).toContain('health_check_up{check="redis"} 0');
    await redis.start();
    await waitFor(async () => (await readyz()).json().status === 'ready', 3000, 'ready after Redis restarted');
  });

  test('WHEN the embedding service answers 500 THEN not ready; when it answers again THEN ready', async () => {
    await startServer();
    await waitFor(statusIs(200), 3000, 'ready');
    embedding.mode = 'error';
    await waitFor(statusIs(503), FLIP_BUDGET_MS, 'not ready');
    expect(await checkOf('embedding')).toMatchObject({ state: 'down', error: 'answered HTTP 500' });
    embedding.mode = 'ok';
    await waitFor(statusIs(200), FLIP_BUDGET_MS, 'ready again');
  });

  test('WHEN the embedding service is slow but within the timeout THEN ready; slower than the timeout THEN not ready', async () => {
    embedding.delayMs = TIMEOUT_MS / 2;
    await startServer();
    await waitFor(statusIs(200), 3000, 'ready with a slow dependency');
    expect((await checkOf('embedding')).latencyMs).toBeGreaterThanOrEqual(TIMEOUT_MS / 2 - 5);
    embedding.delayMs = TIMEOUT_MS * 3;
    await waitFor(statusIs(503), FLIP_BUDGET_MS, 'not ready with a too slow dependency');
    expect(await checkOf('embedding')).toMatchObject({ state: 'down', error: `timed out after ${TIMEOUT_MS} ms` });
  });

  test('WHEN MongoDB and the embedding service hang THEN each check fails at its timeout, rounds go on, and probes answer at once', async () => {
    const hangingUrl = `http://${LOOPBACK}:${hanging.port}`;
    const config = testConfig(env());
    app = await testServer([
      mongoDbCheck({ uri: `mongodb://${LOOPBACK}:${hanging.port}/`, timeoutMs: TIMEOUT_MS }),
      httpCheck({ name: 'embedding', url: `${hangingUrl}/healthz`, timeoutMs: config.checkTimeoutMs }),
    ]);
    await app.ready();
    await waitFor(async () => app.health.checker.completedRounds >= 3, 3 * (INTERVAL_MS + TIMEOUT_MS) + 1000, 'three rounds');
    expect(hanging.connections).toBeGreaterThan(0);
    const body = (await readyz()).json();
    expect(body.status).toBe('not_ready');
    for (const check of body.checks) expect(check.state).toBe('down');
    expect(body.checks.find((c: { name: string }) => c.name === 'embedding').error).toBe(`timed out after ${TIMEOUT_MS} ms`);
    // The probe reads the last results: it never waits on the hanging dependency.
    let slowest = 0;
    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      await readyz();
      slowest = Math.max(slowest, Date.now() - started);
    }
    expect(slowest).toBeLessThan(READINESS_PROBE.timeoutSeconds * 1000);
    console.log(`slowest /readyz while dependencies hang: ${slowest} ms (probe budget ${READINESS_PROBE.timeoutSeconds * 1000} ms)`);
  });
});
