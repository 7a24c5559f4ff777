import Redis from 'ioredis';
import { DEPENDENCY_CHECKS, DependencyCheckName } from '../contract';
import { abortable, DependencyCheck } from './dependency-check';

export interface RedisCheckOptions {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  /** Redis is a cache: losing it degrades the engine but does not stop it. @defaultValue false */
  readonly critical?: boolean;
  /** Receives connection errors, which ioredis would otherwise print itself. */
  readonly onError?: (error: Error) => void;
}

/** `PING` through one ioredis client that reconnects on its own. */
export function redisCheck(options: RedisCheckOptions): DependencyCheck {
  const client = new Redis({
    host: options.host,
    port: options.port,
    lazyConnect: true,
    connectTimeout: options.timeoutMs,
    commandTimeout: options.timeoutMs,
    // Fail at once while disconnected instead of queueing the probe's PING.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  client.on('error', (error: Error) => options.onError?.(error));
  return {
    name: 'redis' satisfies DependencyCheckName,
    critical: options.critical ?? DEPENDENCY_CHECKS.redis.critical,
    timeoutMs: options.timeoutMs,
    async check(signal) {
      if (client.status === 'wait') await abortable(client.connect(), signal);
      const reply = await abortable(client.ping(), signal);
      if (reply !== 'PONG') throw new Error(`unexpected PING reply '${reply}'`);
    },
    async close() {
      client.disconnect(false);
    },
  };
}
