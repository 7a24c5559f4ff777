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
import { AlertmanagerServer, FakeEngine, PrometheusServer, WebhookReceiver } from '../support/services';

/**
 * Live: the generated rules in a real Prometheus, the generated routing in a
 * real Alertmanager, a webhook receiver, and a fake engine (the C++ engine
 * cannot run here) whose error rate the test raises.
 */
const target: SloTarget = { environment: 'prod', namespace: 'search-prod', slo: DEFAULT_SLO, paging: true };
let engine: FakeEngine;
let webhook: WebhookReceiver;
let alertmanager: AlertmanagerServer;
let prometheus: PrometheusServer;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'search-ops-live-'));
  [engine, webhook] = await Promise.all([FakeEngine.start(), WebhookReceiver.start()]);
  const hook = (name: string) => ({ name, webhook_configs: [{ url: webhook.url(name), send_resolved: true }] });
  writeFileSync(join(dir, 'alertmanager.yml'), stringify(alertmanagerConfig({
    receivers: { page: hook(RECEIVER_NAMES.page), ticket: hook(RECEIVER_NAMES.ticket), heartbeat: hook(RECEIVER_NAMES.heartbeat) },
  })));
  alertmanager = await AlertmanagerServer.start(join(dir, 'alertmanager.yml'));
  writeFileSync(join(dir, 'rules.yml'), stringify({ groups: sloRuleGroups(target, { runbookBaseUrl: 'https://runbooks.example' }) }, { lineWidth: 0 }));
  writeFileSync(join(dir, 'prometheus.yml'), stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [join(dir, 'rules.yml')],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [alertmanager.url.replace('http://', '')] }] }] },
    // Labels as the ServiceMonitor's relabelling would set them on a stable pod.
    scrape_configs: [{
      job_name: 'search-engine',
      static_configs: [{ targets: [engine.target], labels: { namespace: target.namespace, pod: 'search-engine-6f7c9-abcde', service: 'search-engine', track: 'stable' } }],
    }],
  }));
  prometheus = await PrometheusServer.start(join(dir, 'prometheus.yml'));
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([prometheus?.destroy(), alertmanager?.destroy(), engine?.stop(), webhook?.stop()]);
});

const received = (receiver: string, alertname: string, status = 'firing') => webhook.notifications.filter((n) =>
  n.receiver === receiver && n.alerts.some((a) => a.labels.alertname === alertname && a.status === status));

describe('live alerting with a fake engine (no C++ engine here), real Prometheus and real Alertmanager', () => {
  test('the Watchdog reaches the heartbeat receiver: the pipeline works end to end', async () => {
    await waitFor(async () => received(RECEIVER_NAMES.heartbeat, ALERTS.watchdog).length > 0, 30_000, 'the Watchdog heartbeat');
  }, 40_000);

  test('injected errors get the availability page to the page receiver, and nothing pages before', async () => {
    await new Promise((resolve) => setTimeout(resolve, 10_000)); // healthy baseline traffic first
    expect(received(RECEIVER_NAMES.page, ALERTS.availabilityBurn)).toEqual([]);
    const injectedAt = Date.now();
    await engine.set({ errorRatio: 0.2 });
    await waitFor(async () => received(RECEIVER_NAMES.page, ALERTS.availabilityBurn).length > 0, 240_000, 'the page');
    const page = received(RECEIVER_NAMES.page, ALERTS.availabilityBurn)[0];
    const alert = page.alerts.find((a) => a.labels.alertname === ALERTS.availabilityBurn)!;
    expect(alert.labels).toMatchObject({ severity: 'critical', namespace: target.namespace, slo: 'availability' });
    console.log(`live: 20 % errors injected -> page received after ${((page.receivedAt - injectedAt) / 1000).toFixed(1)} s `
      + '(rule for: 1m, Alertmanager group_wait: 30s, scrape and evaluation every 1 s)');
  }, 300_000);
});
