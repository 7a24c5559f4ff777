import { FastifyInstance } from 'fastify';

export interface GracefulShutdownOptions {
  readonly app: FastifyInstance;
  /** How long to keep serving, not ready, before closing the listener. */
  readonly delayMs: number;
  /** How long in-flight requests and clients get to finish once the listener closes. */
  readonly drainTimeoutMs: number;
  /** Injected so tests can observe the exit code. */
  readonly exit: (code: number) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Returns the shutdown sequence: not ready at once, serve for the delay,
 * close listener and clients, exit 0. Past delay + drain, exit 1 is forced.
 * Calling it again returns the sequence already under way.
 */
export function gracefulShutdown(options: GracefulShutdownOptions): (signal: string) => Promise<void> {
  const { app, delayMs, drainTimeoutMs, exit } = options;
  let sequence: Promise<void> | undefined;

  const run = async (signal: string) => {
    const started = Date.now();
    const deadline = setTimeout(() => {
      app.log.error({ signal, elapsedMs: Date.now() - started }, 'shutdown: deadline passed, forcing exit');
      exit(1);
    }, delayMs + drainTimeoutMs);
    deadline.unref();
    app.health.beginShutdown();
    app.log.info({ signal, delayMs }, 'shutdown: not ready; serving until the delay ends');
    await sleep(delayMs);
    app.log.info({ drainTimeoutMs }, 'shutdown: closing the listener and draining in-flight requests');
    await app.close();
    clearTimeout(deadline);
    app.log.info({ elapsedMs: Date.now() - started }, 'shutdown: complete');
    exit(0);
  };

  return (signal: string) => {
    if (sequence !== undefined) {
      app.log.info({ signal }, 'shutdown: already under way; signal ignored');
      return sequence;
    }
    sequence = run(signal);
    return sequence;
  };
}
