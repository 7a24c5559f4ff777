import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AlertOptions } from '../monitoring/alert-rules';
import { alertmanagerConfig } from '../monitoring/alertmanager-config';
import { dashboards } from '../monitoring/dashboards';
import { prometheusConfig } from '../monitoring/prometheus-config';
import { SloTarget } from '../monitoring/slo-target';
import { sloRuleGroups } from '../monitoring/rule-groups';

export interface MonitoringFilesOptions {
  readonly targets: readonly SloTarget[];
  readonly alerts: AlertOptions;
}

/** Relative paths of `dist/monitoring/`, which docker-compose.monitoring.yml mounts. */
export const MONITORING_FILES = {
  prometheus: 'prometheus.yml',
  rules: 'rules.yml',
  alertmanager: 'alertmanager.yml',
  dashboards: 'dashboards',
  grafanaDatasources: 'grafana/provisioning/datasources/prometheus.yml',
  grafanaDashboards: 'grafana/provisioning/dashboards/search-ops.yml',
} as const;

const yaml = (value: unknown) => stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });

function write(dir: string, file: string, content: string): void {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), content);
}

/** Prometheus, Alertmanager and Grafana configuration for a monitoring stack without the operator. */
export function writeMonitoringFiles(dir: string, options: MonitoringFilesOptions): void {
  const { targets } = options;
  write(dir, MONITORING_FILES.rules, yaml({ groups: targets.flatMap((target) => sloRuleGroups(target, options.alerts)) }));
  write(dir, MONITORING_FILES.prometheus, yaml(prometheusConfig({ namespaces: targets.map((t) => t.namespace), ruleFiles: [MONITORING_FILES.rules] })));
  write(dir, MONITORING_FILES.alertmanager, yaml(alertmanagerConfig()));
  for (const target of targets) {
    for (const dashboard of dashboards({ environment: target.environment, namespace: target.namespace, slo: target.slo })) {
      write(dir, `${MONITORING_FILES.dashboards}/${dashboard.uid}.json`, `${JSON.stringify(dashboard.json, null, 2)}\n`);
    }
  }
  write(dir, MONITORING_FILES.grafanaDatasources, yaml({
    apiVersion: 1,
    datasources: [{ name: 'Prometheus', type: 'prometheus', access: 'proxy', url: 'http://prometheus:9090', isDefault: true }],
  }));
  write(dir, MONITORING_FILES.grafanaDashboards, yaml({
    apiVersion: 1,
    providers: [{ name: 'search-ops', folder: 'Search', type: 'file', disableDeletion: true, options: { path: '/var/lib/grafana/dashboards' } }],
  }));
}
