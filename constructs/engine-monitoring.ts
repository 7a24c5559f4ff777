import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { PROBE_PATHS } from '../health/contract';
import { AlertOptions } from '../monitoring/alert-rules';
import { GRAFANA_DASHBOARD_LABEL, LABELS } from '../monitoring/conventions';
import { dashboards } from '../monitoring/dashboards';
import { sloRuleGroups } from '../monitoring/rule-groups';
import { SloTarget } from '../monitoring/slo-target';
import { goDuration } from './identity';

export interface EngineMonitoringProps {
  readonly target: SloTarget;
  readonly alerts: AlertOptions;
  /** Labels of the one Service to scrape: the root Service, so each pod is scraped once. */
  readonly serviceSelector: Readonly<Record<string, string>>;
  /**
   * @default Duration.seconds(15)
   * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.Endpoint
   */
  readonly scrapeInterval?: Duration;
}

const MONITORING_API = 'monitoring.coreos.com/v1';

/**
 * What the Prometheus Operator and Grafana need for one environment: the SLO
 * rules, a ServiceMonitor that labels samples by track and pod template hash,
 * and the dashboards as ConfigMaps for Grafana's sidecar.
 */
export class EngineMonitoring extends Construct {
  public readonly scrapeInterval: Duration;

  public constructor(scope: Construct, id: string, props: EngineMonitoringProps) {
    super(scope, id);
    const { target } = props;
    this.scrapeInterval = props.scrapeInterval ?? Duration.seconds(15);
    const namespace = target.namespace;

    new ApiObject(this, 'Rules', {
      apiVersion: MONITORING_API,
      kind: 'PrometheusRule',
      metadata: { name: 'search-engine-slo', namespace },
      spec: { groups: sloRuleGroups(target, props.alerts) },
    });

    const endpoint = (port: string) => ({ port, path: PROBE_PATHS.metrics, interval: goDuration(this.scrapeInterval), scheme: 'http' });
    new ApiObject(this, 'ServiceMonitor', {
      apiVersion: MONITORING_API,
      kind: 'ServiceMonitor',
      metadata: { name: 'search-engine', namespace },
      spec: {
        selector: { matchLabels: { ...props.serviceSelector } },
        namespaceSelector: { matchNames: [namespace] },
        endpoints: [endpoint('metrics'), endpoint('health')],
        // Pod labels the canary analysis and the dashboards split by (DESIGN.md).
        podTargetLabels: [LABELS.track, 'rollouts-pod-template-hash'],
      },
    });

    for (const dashboard of dashboards({ environment: target.environment, namespace, slo: target.slo })) {
      new ApiObject(this, `Dashboard-${dashboard.uid}`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `dashboard-${dashboard.uid}`, namespace, labels: { [GRAFANA_DASHBOARD_LABEL]: '1' } },
        data: { [`${dashboard.uid}.json`]: `${JSON.stringify(dashboard.json, null, 2)}\n` },
      });
    }
  }
}
