/**
 * A stand-in for the C++ search engine, which cannot run here: it serves the
 * metric contract of DESIGN.md for simulated traffic whose error ratio and
 * latency a test sets over HTTP. Run as its own process:
 *
 *   node --import tsx test/support/fake-engine.ts <port>
 *   curl -X POST 'http://127.0.0.1:<port>/control?errorRatio=0.05&latencySeconds=0.4&rps=50'
 */
import { createServer } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS, METRICS } from '../../monitoring/conventions';

interface Traffic {
  rps: number;
  errorRatio: number;
  latencySeconds: number;
  languages: string[];
  indexUpdates: boolean;
}

const traffic: Traffic = { rps: 50, errorRatio: 0, latencySeconds: 0.05, languages: ['en', 'de', 'ja'], indexUpdates: true };
const registry = new Registry();
const requests = new Counter({ name: METRICS.requests, help: 'Finished search requests.', labelNames: ['route', 'code', 'lang'], registers: [registry] });
const duration = new Histogram({ name: METRICS.duration, help: 'Search latency.', labelNames: ['route', 'lang'], buckets: [...DURATION_BUCKETS], registers: [registry] });
const indexUpdate = new Gauge({ name: METRICS.indexLastUpdate, help: 'Newest index update.', registers: [registry] });
indexUpdate.set(Date.now() / 1000);

// Deterministic error spreading: the error share of each tick is exact, not random.
let errorDebt = 0;
const TICK_MS = 100;
setInterval(() => {
  const count = Math.round((traffic.rps * TICK_MS) / 1000);
  for (let i = 0; i < count; i++) {
    const lang = traffic.languages[i % traffic.languages.length];
    errorDebt += traffic.errorRatio;
    const failed = errorDebt >= 1;
    if (failed) errorDebt -= 1;
    requests.inc({ route: '/search', code: failed ? '500' : '200', lang });
    duration.observe({ route: '/search', lang }, traffic.latencySeconds);
  }
  if (traffic.indexUpdates) indexUpdate.set(Date.now() / 1000);
}, TICK_MS);

const server = createServer(async (request, response) => {
  const url = new URL(request.url ?? '/', 'http://engine');
  if (url.pathname === '/metrics') {
    response.setHeader('content-type', registry.contentType);
    response.end(await registry.metrics());
    return;
  }
  if (url.pathname === '/control' && request.method === 'POST') {
    for (const key of ['rps', 'errorRatio', 'latencySeconds'] as const) {
      const value = url.searchParams.get(key);
      if (value !== null) traffic[key] = Number(value);
    }
    const updates = url.searchParams.get('indexUpdates');
    if (updates !== null) traffic.indexUpdates = updates === 'true';
    response.end(JSON.stringify(traffic));
    return;
  }
  response.statusCode = 404;
  response.end();
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
