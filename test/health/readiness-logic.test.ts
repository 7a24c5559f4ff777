import { Registry } from 'prom-client';
import { healthPlugin } from '../../health/health-plugin';
import { UNMATCHED_ROUTE } from '../../health/http-metrics';
import Fastify, { FastifyInstance } from 'fastify';
import { scriptedCheck, testServer, waitFor } from '../support/health';

/** State logic with scripted stand-in checks; real dependencies are in dependencies.test.ts. */
describe('readiness logic (scripted stand-in checks)', () => {
  let app: FastifyInstance;
  afterEach(async () => app?.close());

  const readyz = async () => app.inject({ method: 'GET', url: '/readyz' });

  test('GIVEN the first round has not completed THEN /readyz and /startupz answer 503 and /livez 200', async () => {
    const mongodb = scriptedCheck('mongodb', true);
    mongodb.outcome = 'hang';
    app = await testServer([mongodb]);
    const response = await readyz();
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'starting', checks: [{ name: 'mongodb', critical: true, state: 'unknown', latencyMs: null, error: null }] });
    expect((await app.inject({ url: '/startupz' })).statusCode).toBe(503);
    expect((await app.inject({ url: '/livez' })).statusCode).toBe(200);
  });

  test('GIVEN every check passes THEN ready; a failing critical check makes it 503 with the error named', async () => {
    const mongodb = scriptedCheck('mongodb', true);
    app = await testServer([mongodb, scriptedCheck('embedding', true)]);
    await app.ready();
    await waitFor(async () => (await readyz()).statusCode === 200, 2000, 'ready');
    expect((await app.inject({ url: '/startupz' })).json()).toEqual({ status: 'started' });
    mongodb.outcome = 'fail';
    await waitFor(async () => (await readyz()).statusCode === 503, 2000, 'not ready');
    const body = (await readyz()).json();
    expect(body.status).toBe('not_ready');
    expect(body.checks[0]).toMatchObject({ name: 'mongodb', state: 'down', error: 'mongodb refused' });
    expect(body.checks[1]).toMatchObject({ name: 'embedding', state: 'up', error: null });
  });

  test('GIVEN a non-critical check fails THEN the pod stays ready and reports degraded', async () => {
    const redis = scriptedCheck('redis', false);
    redis.outcome = 'fail';
    app = await testServer([scriptedCheck('mongodb', true), redis]);
    await waitFor(async () => (await readyz()).json().status === 'degraded', 2000, 'degraded');
    expect((await readyz()).statusCode).toBe(200);
  });

  test('GIVEN a check that ignores its abort signal THEN the runner still fails it at its timeout and the next round runs', async () => {
    const hanging = scriptedCheck('embedding', true);
    hanging.outcome = 'hang';
    app = await testServer([hanging]);
    await app.ready();
    await waitFor(async () => app.health.checker.completedRounds >= 3, 3000, 'three rounds');
    expect((await readyz()).json().checks[0]).toMatchObject({ state: 'down', error: 'timed out after 100 ms' });
  });

  test('GIVEN shutdown has begun THEN /readyz is 503 and every response carries Connection: close', async () => {
    app = await testServer([scriptedCheck('mongodb', true)]);
    await waitFor(async () => (await readyz()).statusCode === 200, 2000, 'ready');
    expect((await app.inject({ url: '/livez' })).headers.connection).not.toBe('close');
    app.health.beginShutdown();
    const response = await readyz();
    expect(response.statusCode).toBe(503);
    expect(response.json().status).toBe('shutting_down');
    for (const url of ['/livez', '/readyz', '/metrics', '/nope']) {
      expect((await app.inject({ url })).headers.connection).toBe('close');
    }
  });

  test('THEN /metrics serves the contract metrics from the injected registry', async () => {
    const registry = new Registry();
    const redis = scriptedCheck('redis', false);
    redis.outcome = 'fail';
    app = await testServer([scriptedCheck('mongodb', true), redis], { SEARCH_OPS_VERSION: '1.7.3', SEARCH_OPS_REVISION: 'abc123' }, registry);
    await app.ready();
    await waitFor(async () => app.health.checker.completedRounds > 0, 2000, 'a round');
    await readyz();
    const response = await app.inject({ url: '/metrics' });
    expect(response.headers['content-type']).toBe(registry.contentType);
    const text = response.body;
    expect(text).toContain('health_check_up{check="mongodb"} 1');
    expect(text).toContain('health_check_up{check="redis"} 0');
    expect(text).toContain('health_check_duration_seconds_count{check="mongodb"}');
    expect(text).toContain('search_ops_build_info{version="1.7.3",revision="abc123"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('http_request_duration_seconds_count{route="/readyz",method="GET",status_code="200"} 1');
    expect(await registry.metrics()).toContain('health_check_up');
  });

  test('THEN unknown paths are 404, wrong methods on probe paths 405, and neither is a 5xx', async () => {
    app = await testServer([scriptedCheck('mongodb', true)]);
    expect((await app.inject({ url: '/admin' })).statusCode).toBe(404);
    const post = await app.inject({ method: 'POST', url: '/readyz', payload: 'x' });
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await app.inject({ method: 'DELETE', url: '/metrics' })).statusCode).toBe(405);
    expect((await app.inject({ method: 'HEAD', url: '/livez' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/livez', payload: 'y'.repeat(5000) })).statusCode).toBe(405);
  });

  test('THEN 10 000 requests to random paths leave the route label set bounded', async () => {
    const registry = new Registry();
    app = await testServer([scriptedCheck('mongodb', true)], {}, registry);
    for (let i = 0; i < 10_000; i++) {
      const method = ['GET', 'POST', 'PUT', 'PROPFIND'][i % 4] as 'GET';
      const response = await app.inject({ method, url: `/${Math.random().toString(36).slice(2)}/${i}?q=${i}` });
      expect(response.statusCode).toBeLessThan(500);
    }
    const values = (await registry.getSingleMetric('http_request_duration_seconds')!.get()).values;
    const routes = new Set(values.map((v) => v.labels.route));
    const methods = new Set(values.map((v) => v.labels.method));
    expect([...routes]).toEqual([UNMATCHED_ROUTE]);
    expect([...methods].sort()).toEqual(['GET', 'OTHER', 'POST', 'PUT']);
  });

  test('GIVEN bad plugin options THEN registration fails naming the option', async () => {
    const bare = Fastify();
    await expect(bare.register(healthPlugin, { checks: [], registry: new Registry(), intervalMs: 0 }).ready())
      .rejects.toThrow("health plugin: option 'intervalMs' (0) must be a positive integer of milliseconds");
    const other = Fastify();
    await expect(other.register(healthPlugin, { checks: [], registry: {} as Registry }).ready())
      .rejects.toThrow("health plugin: option 'registry' must be a prom-client Registry");
  });
});

describe('the /metrics exposition cache', () => {
  test('renders once within its TTL, however many scrapes, and afresh after it', async () => {
    const { Registry, Counter } = await import('prom-client');
    const { exposition } = await import('../../health/metrics');
    const registry = new Registry();
    const counter = new Counter({ name: 'renders_probe_total', help: 'h', registers: [registry] });
    const render = exposition(registry, 200);
    const first = await render();
    counter.inc();
    expect(await Promise.all([render(), render()])).toEqual([first, first]);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await render()).toContain('renders_probe_total 1');
    const uncached = exposition(registry, 0);
    counter.inc();
    expect(await uncached()).toContain('renders_probe_total 2');
  });
});
