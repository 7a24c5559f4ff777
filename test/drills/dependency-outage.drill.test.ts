import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { sloRuleGroups } from '../../monitoring/rule-groups';
import { alertmanagerConfig, RECEIVER_NAMES } from '../../monitoring/alertmanager-config';
import { ALERTS } from '../../monitoring/conventions';
import { DEFAULT_SLO } from '../../monitoring/slo';
import { SloTarget } from '../../monitoring/slo-target';
import { waitFor } from '../support/health';
import {
  AlertmanagerServer, EmbeddingStub, FakeEngine, FerretDbServer, freePort, LOOPBACK, PrometheusServer, RedisServer, WebhookReceiver,
} from '../support/services';
import { REPO_ROOT } from '../support/synth';

/**
 * Drill: dependencies fail under the real health server, the generated rules
 * in a real Prometheus page through the generated routing in a real
 * Alertmanager, the runbook's mitigation (restart the dependency) is applied,
 * and the alert resolves. A fake engine (the C++ engine cannot run here) keeps
 * request metrics flowing. Reports time to detect and time to recover.
 */
const target: SloTarget = { environment: 'prod', namespace: 'search-prod', slo: DEFAULT_SLO, paging: true };
let mongo: FerretDbServer;
let redis: RedisServer;
let embedding: EmbeddingStub;
let engine: FakeEngine;
let webhook: WebhookReceiver;
let alertmanager: AlertmanagerServer;
let prometheus: PrometheusServer;
let health: ChildProcess;
let healthPort: number;
const results: string[] = [];

beforeAll(async () => {
  [mongo, redis, embedding, engine, webhook] = await Promise.all([
    FerretDbServer.start(), RedisServer.start(), EmbeddingStub.start(), FakeEngine.start(), WebhookReceiver.start(),
  ]);
  healthPort = await freePort();
  health = spawn(process.execPath, ['--import', 'tsx', join('health', 'server.ts')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH, HEALTH_HOST: LOOPBACK, HEALTH_PORT: String(healthPort), MONGODB_URI: mongo.uri, REDIS_HOST: LOOPBACK,
      REDIS_PORT: String(redis.port), EMBEDDING_URL: embedding.url, CHECK_INTERVAL_MS: '1000', CHECK_TIMEOUT_MS: '500', LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  const dir = mkdtempSync(join(tmpdir(), 'search-ops-outage-'));
  const hook = (name: string) => ({ name, webhook_configs: [{ url: webhook.url(name), send_resolved: true }] });
  writeFileSync(join(dir, 'alertmanager.yml'), stringify(alertmanagerConfig({
    receivers: { page: hook(RECEIVER_NAMES.page), ticket: hook(RECEIVER_NAMES.ticket), heartbeat: hook(RECEIVER_NAMES.heartbeat) },
  })));
  alertmanager = await AlertmanagerServer.start(join(dir, 'alertmanager.yml'));
  writeFileSync(join(dir, 'rules.yml'), stringify({ groups: sloRuleGroups(target, { runbookBaseUrl: 'https://runbooks.example' }) }, { lineWidth: 0 }));
  const labels = (pod: string) => ({ namespace: target.namespace, pod, service: 'search-engine-metrics', track: 'stable' });
  writeFileSync(join(dir, 'prometheus.yml'), stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [join(dir, 'rules.yml')],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [alertmanager.url.replace('http://', '')] }] }] },
    scrape_configs: [
      { job_name: 'search-engine', static_configs: [{ targets: [engine.target], labels: labels('search-engine-abc-1') }] },
      { job_name: 'search-engine-health', static_configs: [{ targets: [`${LOOPBACK}:${healthPort}`], labels: labels('search-engine-abc-1') }] },
    ],
  }));
  prometheus = await PrometheusServer.start(join(dir, 'prometheus.yml'));
  await waitFor(async () => received(RECEIVER_NAMES.heartbeat, ALERTS.watchdog, 'firing') !== undefined, 60_000, 'the Watchdog heartbeat');
}, 120_000);

afterAll(async () => {
  health?.kill('SIGKILL');
  await Promise.allSettled([prometheus?.destroy(), alertmanager?.destroy(), mongo?.destroy(), redis?.stop(), embedding?.stop(), engine?.stop(), webhook?.stop()]);
  console.log(['| dependency | alert | receiver | time to detect | time to recover (alert inactive) |', '|---|---|---|---|---|', ...results].join('\n'));
});

function received(receiver: string, alertname: string, status: 'firing' | 'resolved', since = 0) {
  return webhook.notifications.find((n) => n.receivedAt >= since && n.receiver === receiver
    && n.alerts.some((a) => a.labels.alertname === alertname && a.status === status));
}

/** Whether Alertmanager still holds the alert as active (not resolved, not expired). */
async function activeInAlertmanager(alertname: string): Promise<boolean> {
  const response = await fetch(`${alertmanager.url}/api/v2/alerts?active=true&filter=${encodeURIComponent(`alertname="${alertname}"`)}`);
  return ((await response.json()) as unknown[]).length > 0;
}

async function drill(dependency: { stop(): Promise<void>; start(): Promise<unknown> }, name: string, alertname: string, receiver: string): Promise<void> {
  const stoppedAt = Date.now();
  await dependency.stop();
  await waitFor(async () => received(receiver, alertname, 'firing', stoppedAt) !== undefined, 8 * 60_000, `${alertname} at ${receiver}`);
  const detectedMs = received(receiver, alertname, 'firing', stoppedAt)!.receivedAt - stoppedAt;
  const restartedAt = Date.now();
  await dependency.start(); // the runbook's mitigation: bring the dependency back
  await waitFor(async () => !(await activeInAlertmanager(alertname)), 3 * 60_000, `${alertname} resolved`);
  const recoveredMs = Date.now() - restartedAt;
  results.push(`| ${name} | ${alertname} | ${receiver} | ${(detectedMs / 1000).toFixed(0)} s | ${(recoveredMs / 1000).toFixed(0)} s |`);
}

describe('dependency outage drill (real health server, Prometheus, Alertmanager; fake engine)', () => {
  test('WHEN Redis stops THEN the cache ticket reaches its receiver; WHEN it restarts THEN the alert resolves', async () => {
    await drill(redis, 'Redis', ALERTS.cacheDown, RECEIVER_NAMES.ticket);
    // The pod stayed ready throughout: Redis is a cache.
    expect((await fetch(`http://${LOOPBACK}:${healthPort}/readyz`)).status).toBe(200);
  }, 12 * 60_000);

  test('WHEN MongoDB stops THEN the dependency page reaches its receiver; WHEN it restarts THEN the alert resolves', async () => {
    await drill(mongo, 'MongoDB', ALERTS.dependencyDown, RECEIVER_NAMES.page);
    await waitFor(async () => (await fetch(`http://${LOOPBACK}:${healthPort}/readyz`)).status === 200, 30_000, 'ready again');
  }, 12 * 60_000);
});
