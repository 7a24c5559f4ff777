import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertRules } from '../../monitoring/alert-rules';
import { alertmanagerConfig } from '../../monitoring/alertmanager-config';
import { ALERT_WINDOWS, ALERTS } from '../../monitoring/conventions';
import { prometheusConfig } from '../../monitoring/prometheus-config';
import { recordingRules } from '../../monitoring/recording-rules';
import { AlertingRule, isAlertingRule, RecordingRule } from '../../monitoring/rules';
import { DEFAULT_SLO, resolveSlo } from '../../monitoring/slo';
import { SloTarget } from '../../monitoring/slo-target';
import { REPO_ROOT } from '../support/synth';

const prod: SloTarget = { environment: 'prod', namespace: 'search-prod', slo: DEFAULT_SLO, paging: true };
const options = { runbookBaseUrl: 'https://git.example.com/search-ops/blob/main/runbooks/' };
const alerts = alertRules(prod, options).flatMap((g) => g.rules).filter(isAlertingRule);
const records = recordingRules(prod).flatMap((g) => g.rules) as RecordingRule[];

describe('GIVEN the prod SLO WHEN alert rules are generated', () => {
  test.each<[string, string, string, string | undefined]>([
    [ALERTS.availabilityBurn, 'critical', '1h', '1m'],
    [ALERTS.availabilityBurn, 'critical', '6h', '5m'],
    [ALERTS.availabilityBurn, 'warning', '1d', '15m'],
    [ALERTS.availabilityBurn, 'warning', '3d', '30m'],
    [ALERTS.latencyBurn, 'critical', '1h', '1m'],
    [ALERTS.freshnessBurn, 'warning', '3d', '30m'],
  ])('THEN %s with severity %s over %s waits %s', (alert, severity, longWindow, wait) => {
    const rule = alerts.find((a) => a.alert === alert && a.labels.long_window === longWindow)!;
    expect(rule.labels.severity).toBe(severity);
    expect(rule.for).toBe(wait);
  });

  test.each<[string, string, string]>([
    ['availability 14.4x', 'SearchAvailabilityErrorBudgetBurn/1h', 'slo:sli_error:ratio_rate1h{namespace="search-prod",slo="availability"} > 0.0144\nand\nslo:sli_error:ratio_rate5m{namespace="search-prod",slo="availability"} > 0.0144'],
    ['availability 1x', 'SearchAvailabilityErrorBudgetBurn/3d', 'slo:sli_error:ratio_rate3d{namespace="search-prod",slo="availability"} > 0.001\nand\nslo:sli_error:ratio_rate6h{namespace="search-prod",slo="availability"} > 0.001'],
    ['latency 6x', 'SearchLatencyErrorBudgetBurn/6h', 'slo:sli_error:ratio_rate6h{namespace="search-prod",slo="latency"} > 0.06\nand\nslo:sli_error:ratio_rate30m{namespace="search-prod",slo="latency"} > 0.06'],
  ])('THEN the %s pair compares both windows with factor x budget', (_case, key, expected) => {
    const [alert, window] = key.split('/');
    const rule = alerts.find((a) => a.alert === alert && a.labels.long_window === window)!;
    expect(rule.expr.split('\n').filter((line) => !line.startsWith('#')).join('\n')).toBe(expected);
  });

  test('THEN every alert has a severity, a static summary, a templated description and the runbook named as the alert', () => {
    for (const rule of alerts) {
      expect(['critical', 'warning', 'info']).toContain(rule.labels.severity);
      expect(rule.annotations.summary).not.toMatch(/\{\{/);
      expect(rule.annotations.description).toMatch(/\{\{ \$labels\.\w+ \}\}/);
      expect(rule.annotations.runbook_url).toBe(`https://git.example.com/search-ops/blob/main/runbooks/${rule.alert}.md`);
    }
  });

  test('THEN every runbook_url points at a runbook that exists, with the sections an on-call engineer needs', () => {
    for (const name of new Set(alerts.map((a: AlertingRule) => a.alert))) {
      const path = join(REPO_ROOT, 'runbooks', `${name}.md`);
      expect({ name, exists: existsSync(path) }).toEqual({ name, exists: true });
      const text = readFileSync(path, 'utf8');
      for (const section of ['## Meaning', '## Impact', '## Diagnosis', '## Mitigation', '## Dashboard']) expect(text).toContain(section);
    }
  });

  test('THEN every alert of conventions.ts is generated, and no other; the backup alert only with backups', () => {
    const withBackup = alertRules({ ...prod, backup: { cronJob: 'search-backup-mongodb', rpoSeconds: 7200 } }, options).flatMap((g) => g.rules).filter(isAlertingRule);
    expect(new Set(withBackup.map((a) => a.alert))).toEqual(new Set(Object.values(ALERTS)));
    expect(alerts.some((a) => a.alert === ALERTS.backupTooOld)).toBe(false);
    expect(withBackup.find((a) => a.alert === ALERTS.backupTooOld)!.expr)
      .toBe('time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{namespace="search-prod",cronjob="search-backup-mongodb"}) > 7200');
  });

  test('THEN a non-production environment alerts without paging', () => {
    const dev = alertRules({ ...prod, environment: 'dev', namespace: 'search-dev', paging: false }, options).flatMap((g) => g.rules).filter(isAlertingRule);
    expect(new Set(dev.map((a) => a.labels.paging))).toEqual(new Set(['false']));
  });

  test('THEN thresholds follow an overridden objective', () => {
    const relaxed = alertRules({ ...prod, slo: resolveSlo({ availability: { objective: 0.995 } }) }, options).flatMap((g) => g.rules).filter(isAlertingRule);
    expect(relaxed.find((a) => a.alert === ALERTS.availabilityBurn && a.labels.long_window === '1h')!.expr).toContain('> 0.072');
  });

  test('THEN the prod rules match their reviewed snapshot', () => {
    expect({ records, alerts }).toMatchSnapshot();
  });
});

describe('GIVEN the prod SLO WHEN recording rules are generated', () => {
  test('THEN each SLI has an error ratio over every alert window and the SLO window', () => {
    for (const sli of ['availability', 'latency', 'freshness']) {
      const windows = records.filter((r) => r.labels?.slo === sli && r.record.startsWith('slo:sli_error:ratio_rate')).map((r) => r.record.replace('slo:sli_error:ratio_rate', ''));
      expect(windows).toEqual([...ALERT_WINDOWS, '30d']);
    }
  });

  test('THEN the latency ratio reads the bucket of the SLO threshold', () => {
    const rule = records.find((r) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels?.slo === 'latency')!;
    expect(rule.expr).toContain('search_request_duration_seconds_bucket{namespace="search-prod",le="0.3"}[5m]');
  });

  test('THEN budget remaining divides by the error budget', () => {
    const rule = records.find((r) => r.record === 'slo:error_budget:remaining' && r.labels?.slo === 'availability')!;
    expect(rule.expr).toBe('1 - slo:sli_error:ratio_rate30d{namespace="search-prod",slo="availability"} / 0.001');
  });
});

describe('alertmanager.yml and prometheus.yml', () => {
  test('snapshots', () => {
    expect(alertmanagerConfig()).toMatchSnapshot();
    expect(prometheusConfig({ namespaces: ['search-prod'], ruleFiles: ['rules.yml'] })).toMatchSnapshot();
  });

  test('group by alert and namespace; warnings are inhibited by the matching critical; dependency symptoms by the dependency alert', () => {
    const config = alertmanagerConfig() as { route: { group_by: string[] }; inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[] };
    expect(config.route.group_by).toEqual(['alertname', 'namespace']);
    expect(config.inhibit_rules[0]).toEqual({ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname', 'namespace'] });
    expect(config.inhibit_rules[1].source_matchers).toEqual(['alertname="SearchDependencyDown"']);
    expect(config.inhibit_rules[1].target_matchers[0]).toContain('SearchPodsNotReady');
  });

  test('scrape jobs keep one port of the metrics Service and copy track and pod template hash from pod labels', () => {
    const config = prometheusConfig({ namespaces: ['search-prod'], ruleFiles: ['rules.yml'] }) as { scrape_configs: { relabel_configs: Record<string, unknown>[] }[] };
    const relabel = config.scrape_configs[0].relabel_configs;
    expect(relabel[0]).toMatchObject({ regex: 'search-engine-metrics;metrics', action: 'keep' });
    expect(relabel).toContainEqual({ source_labels: ['__meta_kubernetes_pod_label_rollouts_pod_template_hash'], target_label: 'rollouts_pod_template_hash' });
    expect(relabel).toContainEqual({ source_labels: ['__meta_kubernetes_pod_label_track'], target_label: 'track' });
  });
});
