import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { MONITORING_FILES } from '../../constructs/monitoring-files';
import { alertmanagerConfig, RECEIVER_NAMES } from '../../monitoring/alertmanager-config';
import { ALERTS } from '../../monitoring/conventions';
import { COMMITTED_DIST, findObject, readObjects, REPO_ROOT } from '../support/synth';
import { run } from '../support/tools';

/** The generated configuration, checked by the real promtool, amtool and docker-compose. */
const MONITORING = join(COMMITTED_DIST, 'monitoring');
const file = (name: string) => join(MONITORING, name);

describe('promtool', () => {
  test('accepts the rules of every environment in dist/monitoring', () => {
    const result = run('promtool', ['check', 'rules', file(MONITORING_FILES.rules)]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  test.each(['dev', 'staging', 'prod'])('accepts the PrometheusRule of %s', (env) => {
    const rule = findObject(readObjects(join(COMMITTED_DIST, env)), 'PrometheusRule', 'search-engine-slo');
    const path = join(mkdtempSync(join(tmpdir(), 'search-ops-rules-')), 'rules.yml');
    writeFileSync(path, stringify(rule.spec));
    expect(run('promtool', ['check', 'rules', path])).toMatchObject({ code: 0 });
  });

  test('accepts prometheus.yml, Kubernetes service discovery included', () => {
    // Debian's promtool is built without Kubernetes discovery; the upstream build checks it.
    const dir = mkdtempSync(join(tmpdir(), 'search-ops-prom-'));
    copyFileSync(file(MONITORING_FILES.prometheus), join(dir, 'prometheus.yml'));
    copyFileSync(file(MONITORING_FILES.rules), join(dir, 'rules.yml'));
    const result = run(join(REPO_ROOT, '.tools', 'bin', 'promtool-upstream'), ['check', 'config', join(dir, 'prometheus.yml')]);
    expect(result.output).toContain('prometheus.yml is valid prometheus config file syntax');
    expect(result.code).toBe(0);
  });
});

describe('amtool', () => {
  test('accepts alertmanager.yml', () => {
    const result = run('amtool', ['check-config', file(MONITORING_FILES.alertmanager)]);
    expect(result.output).toContain('SUCCESS');
    expect(result.output).toContain('2 inhibit rules');
  });

  test.each<[string, string[], string]>([
    ['a page of a production environment', ['alertname=SearchAvailabilityErrorBudgetBurn', 'severity=critical', 'paging=true', 'namespace=search-prod'], RECEIVER_NAMES.page],
    ['a critical alert of a non-production environment', ['alertname=SearchDependencyDown', 'severity=critical', 'paging=false', 'namespace=search-dev'], RECEIVER_NAMES.ticket],
    ['a ticket', ['alertname=SearchAvailabilityErrorBudgetBurn', 'severity=warning', 'paging=true'], RECEIVER_NAMES.ticket],
    ['the Watchdog', [`alertname=${ALERTS.watchdog}`, 'severity=info', 'paging=true'], RECEIVER_NAMES.heartbeat],
    ['any other info alert', ['alertname=Something', 'severity=info'], RECEIVER_NAMES.discard],
  ])('routes %s to its receiver', (_case, labels, receiver) => {
    const result = run('amtool', ['config', 'routes', 'test', `--config.file=${file(MONITORING_FILES.alertmanager)}`, ...labels]);
    expect(result.output.trim().split('\n').pop()).toBe(receiver);
  });

  test('no secret is written into alertmanager.yml: every receiver reads its credentials from a file', () => {
    const text = JSON.stringify(alertmanagerConfig());
    expect(text).toContain('routing_key_file');
    expect(text).toContain('api_url_file');
    expect(text).toContain('credentials_file');
    expect(text).not.toMatch(/routing_key"|api_url"|"credentials"|password/);
  });
});

describe('docker-compose.monitoring.yml', () => {
  const compose = join(REPO_ROOT, 'docker-compose.monitoring.yml');

  test('is refused without a Grafana admin password: there is no default', () => {
    const env = { ...process.env, GRAFANA_ADMIN_PASSWORD: '' };
    const result = run('docker-compose', ['-f', compose, 'config'], { env, cwd: mkdtempSync(join(tmpdir(), 'compose-')) });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('set GRAFANA_ADMIN_PASSWORD in .env.monitoring');
  });

  test('is valid with the password from an environment file, and mounts the generated files', () => {
    const envFile = join(mkdtempSync(join(tmpdir(), 'compose-env-')), '.env.monitoring');
    writeFileSync(envFile, 'GRAFANA_ADMIN_PASSWORD=only-for-this-test\n');
    const result = run('docker-compose', ['--env-file', envFile, '-f', compose, 'config']);
    expect(result.code).toBe(0);
    for (const path of [MONITORING_FILES.prometheus, MONITORING_FILES.rules, MONITORING_FILES.alertmanager, MONITORING_FILES.dashboards]) {
      expect(result.output).toContain(join('dist', 'monitoring', path));
    }
    expect(result.output).toContain('GF_SECURITY_ADMIN_PASSWORD: only-for-this-test');
  });
});
