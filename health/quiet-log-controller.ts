import { FastifyReply, FastifyRequest, LogController } from 'fastify';

/**
 * Probes arrive every few seconds from every kubelet: per-request lines would
 * drown the state changes. Only failed requests are logged.
 */
export class QuietLogController extends LogController {
  public incomingRequest(): void {}

  public requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error || reply.statusCode >= 500) {
      reply.log.error({ err: error, route: request.routeOptions.url, statusCode: reply.statusCode }, 'request failed');
    }
  }

  public routeNotFound(): void {}
}
