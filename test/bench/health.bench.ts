/**
 * Health server throughput and latency against a plain-Fastify baseline measured
 * in the same run. Prints figures and ratios; targets are read, not asserted:
 * /livez and /readyz within 15 % of the baseline, /readyz independent of the
 * dependency's 200 ms, /metrics with ~5 000 series under 20 ms at p99.
 *
 *   npm run bench:health
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = 10;
const COLD_SCRAPES = 15;
const METRICS_CACHE_MS = 1000;

interface Figures {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

async function measure(url: string, connections: number): Promise<Figures> {
  const result = await autocannon({ url, connections, duration: DURATION_S });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function main(): Promise<void> {
  const target = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'health-target.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const firstLine = await new Promise<string>((resolve) => createInterface({ input: target.stdout! }).once('line', resolve));
  const { health, plain, series, dependencyDelayMs } = JSON.parse(firstLine);
  await new Promise((resolve) => setTimeout(resolve, 2000)); // a few rounds of checks first

  console.log(`health server benchmark: autocannon in a separate process, ${DURATION_S} s per endpoint and server`);
  console.log(`dependency answering in ${dependencyDelayMs} ms; /metrics with ${series} extra series\n`);
  console.log('| endpoint | health req/s | baseline req/s | ratio | health p50 / p99 ms | baseline p50 / p99 ms | errors |');
  console.log('|---|---|---|---|---|---|---|');
  // Probes come from many kubelets at once; a scrape is one connection at a time.
  for (const [path, connections] of [['/livez', CONNECTIONS], ['/readyz', CONNECTIONS], ['/metrics', 1]] as const) {
    await measure(`http://127.0.0.1:${health}${path}`, connections); // warm-up
    const ours = await measure(`http://127.0.0.1:${health}${path}`, connections);
    const base = await measure(`http://127.0.0.1:${plain}${path}`, connections);
    console.log(`| ${path} (${connections} conn.) | ${ours.rps.toFixed(0)} | ${base.rps.toFixed(0)} | ${(ours.rps / base.rps).toFixed(2)} | ${ours.p50} / ${ours.p99} | ${base.p50} / ${base.p99} | ${ours.errors} |`);
  }

  // Prometheus scrapes every 15 s or more: each real scrape renders afresh.
  const cold: number[] = [];
  for (let i = 0; i < COLD_SCRAPES; i++) {
    await new Promise((resolve) => setTimeout(resolve, METRICS_CACHE_MS + 100));
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${health}/metrics`);
    await response.text();
    cold.push(performance.now() - started);
  }
  cold.sort((a, b) => a - b);
  console.log(`\n/metrics cold renders (${COLD_SCRAPES} scrapes spaced past the ${METRICS_CACHE_MS} ms cache): p50 ${cold[Math.floor(COLD_SCRAPES / 2)].toFixed(1)} ms, max ${cold[COLD_SCRAPES - 1].toFixed(1)} ms`);
  target.kill('SIGTERM');
}

void main();
