import { ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '../support/health';
import { EmbeddingStub, FerretDbServer, freePort, LOOPBACK, RedisServer } from '../support/services';
import { REPO_ROOT } from '../support/synth';

/** The real server in a child process, signalled as the kubelet would. */
const DELAY_S = 5;
const DRAIN_S = 2;
const GRACE_S = 10;

let mongo: FerretDbServer;
let redis: RedisServer;
let embedding: EmbeddingStub;

beforeAll(async () => {
  [mongo, redis, embedding] = await Promise.all([FerretDbServer.start(), RedisServer.start(), EmbeddingStub.start()]);
});
afterAll(async () => Promise.all([mongo?.destroy(), redis?.stop(), embedding?.stop()]));

interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<{ code: number | null; at: number }>;
  readonly logs: () => string;
}

async function startHealthServer(): Promise<Running> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join('health', 'server.ts')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH, HEALTH_HOST: LOOPBACK, HEALTH_PORT: String(port), MONGODB_URI: mongo.uri,
      REDIS_HOST: LOOPBACK, REDIS_PORT: String(redis.port), EMBEDDING_URL: embedding.url, CHECK_INTERVAL_MS: '300', CHECK_TIMEOUT_MS: '200',
      SHUTDOWN_DELAY_SECONDS: String(DELAY_S), DRAIN_TIMEOUT_SECONDS: String(DRAIN_S), TERMINATION_GRACE_PERIOD_SECONDS: String(GRACE_S),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => { output += chunk; });
  child.stderr!.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
  return { child, port, exited, logs: () => output };
}

function get(port: number, path: string, agent?: Agent): Promise<{ status: number; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: LOOPBACK, port, path, agent: agent ?? false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

const readyStatus = (port: number) => get(port, '/readyz').then((r) => r.status, () => 0);

describe('graceful shutdown of the real server process', () => {
  test('under steady keep-alive load, SIGTERM loses no request, readiness is 503 during the delay, and it exits 0 in time', async () => {
    const server = await startHealthServer();
    await waitFor(async () => (await readyStatus(server.port)) === 200, 15_000, 'ready');

    // A load balancer that removes the pod after two failed readiness polls, as the kubelet does.
    let routed = true;
    let failedPolls = 0;
    const lb = setInterval(async () => {
      failedPolls = (await readyStatus(server.port)) === 200 ? 0 : failedPolls + 1;
      if (failedPolls >= 2) routed = false;
    }, 500);

    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const results = { ok: 0, failed: 0, afterSignal: 0, closeHeaders: 0 };
    let signalledAt = 0;
    const worker = async () => {
      while (routed) {
        try {
          const response = await get(server.port, '/livez', agent);
          if (response.status === 200) results.ok++; else results.failed++;
          if (signalledAt > 0) results.afterSignal++;
          if (response.connection === 'close') results.closeHeaders++;
        } catch {
          results.failed++;
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((resolve) => setTimeout(resolve, 500));

    signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const notReadyIn = await waitFor(async () => (await readyStatus(server.port)) === 503, 1000, '503 after SIGTERM');
    setTimeout(() => server.child.kill('SIGTERM'), 1000); // a second signal must not restart the sequence
    await Promise.all(workers);
    clearInterval(lb);
    const { code, at } = await server.exited;
    agent.destroy();

    const exitAfterMs = at - signalledAt;
    console.log(`shutdown: 503 after ${notReadyIn} ms, exit ${code} after ${exitAfterMs} ms; ${results.ok} requests ok (${results.afterSignal} after SIGTERM), ${results.failed} failed`);
    expect(results.failed).toBe(0);
    expect(results.ok).toBeGreaterThan(100);
    expect(results.afterSignal).toBeGreaterThan(0);
    expect(results.closeHeaders).toBeGreaterThan(0);
    expect(code).toBe(0);
    expect(exitAfterMs).toBeGreaterThanOrEqual(DELAY_S * 1000);
    expect(exitAfterMs).toBeLessThan(GRACE_S * 1000);
    const logs = server.logs();
    expect(logs).toContain('shutdown: not ready; serving until the delay ends');
    expect(logs).toContain('shutdown: already under way; signal ignored');
    expect(logs.match(/shutdown: not ready/g)).toHaveLength(1);
    expect(logs).toContain('shutdown: complete');
    // One line per state change, not per probe or per round.
    for (const check of ['mongodb', 'redis', 'embedding']) expect(logs.match(new RegExp(`dependency check '${check}' is up`, 'g'))).toHaveLength(1);
    expect(logs.split('\n').filter((line) => line.includes('"url"'))).toEqual([]);
    expect(logs).toContain('"msg":"starting"');
  }, 30_000);

  test('a request stuck in flight past the drain timeout gets the exit forced and logged', async () => {
    const server = await startHealthServer();
    await waitFor(async () => (await readyStatus(server.port)) === 200, 15_000, 'ready');
    // Headers never finished: the connection is busy, not idle, so closing waits on it.
    const stuck = createConnection({ host: LOOPBACK, port: server.port });
    stuck.on('error', () => undefined);
    await new Promise((resolve) => stuck.once('connect', resolve));
    stuck.write('GET /livez HTTP/1.1\r\nHost: health\r\n');
    const signalledAt = Date.now();
    server.child.kill('SIGINT');
    const { code, at } = await server.exited;
    stuck.destroy();
    expect(code).toBe(1);
    expect(at - signalledAt).toBeLessThan(GRACE_S * 1000);
    expect(server.logs()).toContain('shutdown: deadline passed, forcing exit');
  }, 30_000);

  test('a bad configuration exits 2 with the message and no secret', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join('health', 'server.ts')], {
      cwd: REPO_ROOT, env: { PATH: process.env.PATH, MONGODB_URI: 'mysql://root:hunter2@db/x', REDIS_HOST: 'r', EMBEDDING_URL: 'http://e' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toBe("invalid health server configuration:\n  - MONGODB_URI ('mysql://***@db/***') must be a URL with scheme mongodb:// or mongodb+srv://\n");
  }, 30_000);
});
