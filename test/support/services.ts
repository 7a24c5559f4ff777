import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, Server as HttpServer } from 'node:http';
import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './synth';

/** Real servers for tests, each on a free 127.0.0.1 port, stopped by the test. */

export const LOOPBACK = '127.0.0.1';
export const TOOLS_BIN = join(REPO_ROOT, '.tools', 'bin');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: LOOPBACK, port });
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${LOOPBACK}:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls a readiness endpoint until it answers 200. */
export async function waitForReady(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then((response) => response.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A child process that can be stopped and started again on the same port. */
abstract class ManagedServer {
  protected child: ChildProcess | undefined;
  protected output = '';

  protected constructor(public readonly port: number) {}

  protected abstract command(): [string, string[]];

  public async start(): Promise<this> {
    const [program, args] = this.command();
    this.output = '';
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk) => { this.output += chunk; });
    child.stderr?.on('data', (chunk) => { this.output += chunk; });
    this.child = child;
    try {
      await waitForPort(this.port);
    } catch (error) {
      throw new Error(`${program} did not start: ${(error as Error).message}\n${this.output}`);
    }
    return this;
  }

  public async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/** Debian's redis-server, without persistence. */
export class RedisServer extends ManagedServer {
  public static async start(): Promise<RedisServer> {
    return new RedisServer(await freePort()).start();
  }

  protected command(): [string, string[]] {
    return ['redis-server', ['--port', String(this.port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no', '--protected-mode', 'yes']];
  }
}

/** FerretDB over SQLite: a real MongoDB wire-protocol server (scripts/bootstrap.sh builds it). */
export class FerretDbServer extends ManagedServer {
  private readonly dir = mkdtempSync(join(tmpdir(), 'search-ops-ferretdb-'));
  private constructor(port: number, private readonly debugPort: number) {
    super(port);
  }

  public static async start(): Promise<FerretDbServer> {
    return new FerretDbServer(await freePort(), await freePort()).start();
  }

  public get uri(): string {
    return `mongodb://${LOOPBACK}:${this.port}/`;
  }

  protected command(): [string, string[]] {
    return [join(TOOLS_BIN, 'ferretdb'), [
      '--handler=sqlite', `--sqlite-url=file:${this.dir}/`, `--listen-addr=${LOOPBACK}:${this.port}`,
      `--debug-addr=${LOOPBACK}:${this.debugPort}`, `--state-dir=${this.dir}`, '--telemetry=disable', '--log-level=error',
    ]];
  }

  public async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export type EmbeddingMode = 'ok' | 'error';

/** Plays the embedding service: answers its health path with 200 or 500, after an optional delay. */
export class EmbeddingStub {
  public mode: EmbeddingMode = 'ok';
  public delayMs = 0;
  public requests = 0;
  private constructor(private readonly server: HttpServer, public readonly port: number) {}

  public static async start(): Promise<EmbeddingStub> {
    let stub: EmbeddingStub | undefined;
    const server = createHttpServer((_request, response) => {
      stub!.requests++;
      setTimeout(() => {
        response.statusCode = stub!.mode === 'ok' ? 200 : 500;
        response.end(stub!.mode);
      }, stub!.delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
    stub = new EmbeddingStub(server, (server.address() as AddressInfo).port);
    return stub;
  }

  public get url(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Accepts TCP connections and never answers: the hanging dependency. */
export class HangingListener {
  private constructor(private readonly server: Server, private readonly sockets: Set<Socket>, public readonly port: number) {}

  public static async start(): Promise<HangingListener> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
    return new HangingListener(server, sockets, (server.address() as AddressInfo).port);
  }

  /** Connections accepted and still held open. */
  public get connections(): number {
    return this.sockets.size;
  }

  public async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** The fake engine (test/support/fake-engine.ts) in its own process. */
export class FakeEngine extends ManagedServer {
  public static async start(): Promise<FakeEngine> {
    return new FakeEngine(await freePort()).start();
  }

  protected command(): [string, string[]] {
    return [process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'support', 'fake-engine.ts'), String(this.port)]];
  }

  public get target(): string {
    return `${LOOPBACK}:${this.port}`;
  }

  public async set(traffic: { rps?: number; errorRatio?: number; latencySeconds?: number; indexUpdates?: boolean }): Promise<void> {
    const query = new URLSearchParams(Object.entries(traffic).map(([k, v]): [string, string] => [k, String(v)]));
    const response = await fetch(`http://${this.target}/control?${query}`, { method: 'POST' });
    if (!response.ok) throw new Error(`fake engine refused ${query}: HTTP ${response.status}`);
  }
}

/**
 * A Prometheus-family daemon on loopback: a throwaway data folder, a config
 * file, and started only once `/-/ready` answers (the port opens earlier).
 */
abstract class ReadyServer extends ManagedServer {
  protected readonly dir = mkdtempSync(join(tmpdir(), 'search-ops-daemon-'));
  protected constructor(port: number, protected readonly configFile: string) {
    super(port);
  }

  public override async start(): Promise<this> {
    await super.start();
    await waitForReady(`${this.url}/-/ready`);
    return this;
  }

  public get url(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  public async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Debian's Prometheus on loopback. */
export class PrometheusServer extends ReadyServer {
  public static async start(configFile: string): Promise<PrometheusServer> {
    return new PrometheusServer(await freePort(), configFile).start();
  }

  protected command(): [string, string[]] {
    return ['prometheus', [
      `--config.file=${this.configFile}`, `--storage.tsdb.path=${this.dir}`, `--web.listen-address=${LOOPBACK}:${this.port}`,
      '--rules.alert.resend-delay=1s', '--web.enable-lifecycle',
    ]];
  }
}

/** Debian's Alertmanager on loopback, clustering off. */
export class AlertmanagerServer extends ReadyServer {
  public static async start(configFile: string): Promise<AlertmanagerServer> {
    return new AlertmanagerServer(await freePort(), configFile).start();
  }

  protected command(): [string, string[]] {
    return ['prometheus-alertmanager', [
      `--config.file=${this.configFile}`, `--storage.path=${this.dir}`, `--web.listen-address=${LOOPBACK}:${this.port}`, '--cluster.listen-address=',
    ]];
  }
}

export interface ReceivedNotification {
  readonly receivedAt: number;
  readonly receiver: string;
  readonly status: string;
  readonly alerts: readonly { readonly status: string; readonly labels: Record<string, string> }[];
}

/** An Alertmanager webhook receiver that records every notification. */
export class WebhookReceiver {
  private constructor(private readonly server: HttpServer, public readonly notifications: ReceivedNotification[], public readonly port: number) {}

  public static async start(): Promise<WebhookReceiver> {
    const notifications: ReceivedNotification[] = [];
    const server = createHttpServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => { body += chunk; });
      request.on('end', () => {
        const payload = JSON.parse(body || '{}');
        notifications.push({ receivedAt: Date.now(), receiver: payload.receiver, status: payload.status, alerts: payload.alerts ?? [] });
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
    return new WebhookReceiver(server, notifications, (server.address() as AddressInfo).port);
  }

  public url(path: string): string {
    return `http://${LOOPBACK}:${this.port}/${path}`;
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
