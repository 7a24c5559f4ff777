import { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HealthMetrics } from './metrics';

/** Route label of every request that matched no route: one value, whatever the path. */
export const UNMATCHED_ROUTE = '(unmatched)';
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface HttpMetricsOptions {
  readonly metrics: HealthMetrics;
}

/** Request durations by route template, method and status: label values stay bounded. */
export const httpMetricsPlugin = fp(async (app: FastifyInstance, options: HttpMetricsOptions) => {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
    const method = KNOWN_METHODS.has(request.method) ? request.method : 'OTHER';
    options.metrics.httpDuration.observe({ route, method, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
}, { name: 'search-ops-http-metrics', fastify: '5.x' });
