/**
 * The servers under benchmark, in their own process: the health server over
 * real dependencies (FerretDB, Redis, an embedding service answering in 200 ms)
 * with about 5 000 extra series in its registry, and a plain Fastify baseline
 * serving the same payloads. Prints their ports as JSON, then serves until killed.
 */
import Fastify from 'fastify';
import { Gauge, Registry } from 'prom-client';
import { buildHealthServer, dependencyChecks } from '../../health/app';
import { loadConfig } from '../../health/config';
import { EmbeddingStub, FerretDbServer, LOOPBACK, RedisServer } from '../support/services';

const SERIES = 5000;
const DEPENDENCY_DELAY_MS = 200;

function addSeries(registry: Registry): void {
  const gauge = new Gauge({ name: 'bench_padding_series', help: 'Series that make /metrics realistically large.', labelNames: ['lang', 'shard'], registers: [registry] });
  for (let i = 0; i < SERIES; i++) gauge.set({ lang: `l${i % 50}`, shard: String(i) }, i);
}

async function main(): Promise<void> {
  const [mongo, redis, embedding] = await Promise.all([FerretDbServer.start(), RedisServer.start(), EmbeddingStub.start()]);
  embedding.delayMs = DEPENDENCY_DELAY_MS;
  const config = loadConfig({
    MONGODB_URI: mongo.uri, REDIS_HOST: LOOPBACK, REDIS_PORT: String(redis.port), EMBEDDING_URL: embedding.url,
    CHECK_INTERVAL_MS: '1000', CHECK_TIMEOUT_MS: '500', LOG_LEVEL: 'warn',
  });
  const registry = new Registry();
  addSeries(registry);
  const health = await buildHealthServer({ config, registry, checks: dependencyChecks(config, () => undefined) });
  await health.listen({ host: LOOPBACK, port: 0 });

  const baselineRegistry = new Registry();
  addSeries(baselineRegistry);
  const plain = Fastify();
  plain.get('/livez', async () => ({ status: 'alive' }));
  plain.get('/readyz', async () => ({ status: 'ready', checks: health.health.checker.list() }));
  plain.get('/metrics', async (_request, reply) => reply.header('content-type', baselineRegistry.contentType).send(await baselineRegistry.metrics()));
  await plain.listen({ host: LOOPBACK, port: 0 });

  const port = (server: typeof plain) => (server.server.address() as { port: number }).port;
  process.stdout.write(`${JSON.stringify({ health: port(health as unknown as typeof plain), plain: port(plain), series: SERIES, dependencyDelayMs: DEPENDENCY_DELAY_MS })}\n`);
  const stop = async () => {
    await Promise.allSettled([health.close(), plain.close()]);
    await Promise.allSettled([mongo.destroy(), redis.stop(), embedding.stop()]);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
}

void main();
