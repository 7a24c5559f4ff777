import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface HealthMetrics {
  readonly checkUp: Gauge<'check'>;
  readonly checkDuration: Histogram<'check'>;
  readonly httpDuration: Histogram<'route' | 'method' | 'status_code'>;
}

export interface HealthMetricsOptions {
  readonly registry: Registry;
  readonly version: string;
  readonly revision: string;
}

/** The health server's metrics (DESIGN.md), all on the one injected registry. */
export function createHealthMetrics(options: HealthMetricsOptions): HealthMetrics {
  const registers = [options.registry];
  collectDefaultMetrics({ register: options.registry });
  new Gauge({
    name: 'search_ops_build_info',
    help: 'Always 1; the labels tell which build of the health server runs.',
    labelNames: ['version', 'revision'],
    registers,
  }).set({ version: options.version, revision: options.revision }, 1);
  return {
    checkUp: new Gauge({ name: 'health_check_up', help: '1 when the last check of a dependency succeeded, 0 otherwise.', labelNames: ['check'], registers }),
    checkDuration: new Histogram({
      name: 'health_check_duration_seconds',
      help: 'Duration of dependency checks, timeouts included.',
      labelNames: ['check'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration of requests to the health server, by route template.',
      labelNames: ['route', 'method', 'status_code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    }),
  };
}

/**
 * Renders the registry at most once per `ttlMs`, and once for any number of
 * concurrent scrapes: rendering thousands of series takes milliseconds of CPU,
 * and HA Prometheus pairs scrape the same target. `ttlMs` 0 renders every time.
 */
export function exposition(registry: Registry, ttlMs: number): () => Promise<string> {
  let cached: { readonly text: string; readonly at: number } | undefined;
  let rendering: Promise<string> | undefined;
  return async () => {
    if (cached !== undefined && Date.now() - cached.at < ttlMs) return cached.text;
    rendering ??= registry.metrics()
      .then((text) => {
        cached = { text, at: Date.now() };
        return text;
      })
      .finally(() => {
        rendering = undefined;
      });
    return rendering;
  };
}
