import { buildHealthServer } from './app';
import { describeConfig, HealthConfigError, loadConfig } from './config';
import { gracefulShutdown } from './shutdown';

/** Entry point: `npm run health`, or the image's command (see contract.ts). */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof HealthConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const app = await buildHealthServer({ config });
  app.log.info({ config: describeConfig(config) }, 'starting');
  const shutdown = gracefulShutdown({
    app,
    delayMs: config.shutdownDelayMs,
    drainTimeoutMs: config.drainTimeoutMs,
    exit: (code) => process.exit(code),
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown(signal));
  await app.listen({ host: config.host, port: config.port });
}

main().catch((error: unknown) => {
  process.stderr.write(`health server failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
